/**
 * N connections working through one queue: each worker takes the next item until the
 * queue is empty or any worker failed; every connection is ended however it went; the
 * first error is thrown once all workers have stopped (none is left COPYing behind it).
 */
import type pg from 'pg';
import type { Target } from './target.ts';

/** Run work(client, item) for every item over `jobs` connections of the target. */
export async function runWorkers<T>(target: Target, jobs: number, items: readonly T[], work: (client: pg.Client, item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  let failed: { err: unknown } | undefined;
  const worker = async () => {
    let client: pg.Client | undefined;
    try {
      client = await target.connect();
      for (let item = queue.shift(); item !== undefined && !failed; item = queue.shift()) await work(client, item);
    } catch (err) {
      failed ??= { err };
    } finally {
      await client?.end().catch(() => undefined);
    }
  };
  await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(jobs, queue.length)) }, worker));
  if (failed) throw failed.err;
}
