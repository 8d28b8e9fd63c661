/**
 * One owner per data set at a time: a session-level advisory lock keyed on the schema,
 * held by the connection that loads (or drops) it. The server releases it when that
 * session ends, however it ends (`kill -9` of pgscale included), so a stale owner never
 * blocks the next load. The holder names itself in `application_name`, so whoever waits
 * can say who it waits for.
 */
import { hostname } from 'node:os';
import type pg from 'pg';
import { PgscaleError } from '../core/errors.ts';

/**
 * `dataset`: the data set's owner (a load, a drop, a scenario run), exclusive; the parts
 * of a split load (`load --part`) hold it shared, so they load side by side while a whole
 * load or a drop waits for all of them. `finish`: held by one part at a time while it
 * creates the schema or decides (and then is) the part that completes the data set.
 */
export type DatasetLock = 'dataset' | 'finish';

const key = (schema: string, lock: DatasetLock = 'dataset') => (lock === 'dataset' ? `pgscale dataset ${schema}` : `pgscale dataset-finish ${schema}`);

/** What the owner's session says of itself: `pgscale load (pid 123 on host)`. */
export async function datasetOwner(client: pg.Client, schema: string, lock: DatasetLock = 'dataset'): Promise<string | undefined> {
  const r = await client.query<{ app: string; pid: number }>(
    `SELECT a.application_name AS app, a.pid
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid,
            (SELECT hashtext($1)::bigint AS k) h
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.classid::bigint = ((h.k >> 32) & 4294967295) AND l.objid::bigint = (h.k & 4294967295)
      LIMIT 1`,
    [key(schema, lock)],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return row.app && row.app.startsWith('pgscale') ? row.app : `a session named '${row.app || '?'}' (server pid ${row.pid})`;
}

/** Take the lock if it is free (shared: if no one holds it exclusively); true when this session now holds it. */
export async function tryLockDataset(client: pg.Client, schema: string, lock: DatasetLock = 'dataset', shared = false): Promise<boolean> {
  const fn = shared ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock';
  const r = await client.query<{ ok: boolean }>(`SELECT ${fn}(hashtext($1)) AS ok`, [key(schema, lock)]);
  return r.rows[0].ok;
}

/** Let go of the lock (ending the session does too). */
export async function unlockDataset(client: pg.Client, schema: string, lock: DatasetLock = 'dataset', shared = false): Promise<void> {
  await client.query(`SELECT ${shared ? 'pg_advisory_unlock_shared' : 'pg_advisory_unlock'}(hashtext($1))`, [key(schema, lock)]);
}

/** Name this session for whoever waits on it: `pgscale load (pid 123 on host)`. */
export async function nameSession(client: pg.Client, command: string): Promise<void> {
  await client.query("SELECT set_config('application_name', $1, false)", [`pgscale ${command} (pid ${process.pid} on ${hostname()})`.slice(0, 63)]);
}

export interface LockWaitOptions {
  /** Wait for the owner to finish (default), or fail at once. */
  wait: boolean;
  /** Told once when waiting starts, then every `every` ms with the seconds waited. */
  onWait?: (message: string, waitedSeconds: number) => void;
  /** @default 15000 */
  every?: number;
  signal?: AbortSignal;
  /** @default 'dataset' */
  lock?: DatasetLock;
  /** Take it shared (the parts of a split load). @default false */
  shared?: boolean;
}

/** The owner, phrased for messages: `pgscale load (pid 123 on host) loading schema 's'`. */
function busy(schema: string, owner: string | undefined, doing: string): string {
  return `${owner ?? 'another pgscale process'} ${doing} schema '${schema}'`;
}

/**
 * Take the data set's lock, waiting for its owner when asked (polling, so progress can be
 * told and the wait interrupted). Without waiting, a held lock is PgscaleError('BUSY').
 */
export async function lockDataset(client: pg.Client, schema: string, opts: LockWaitOptions): Promise<{ waitedSeconds: number }> {
  const lock = opts.lock ?? 'dataset';
  const take = () => tryLockDataset(client, schema, lock, opts.shared ?? false);
  if (await take()) return { waitedSeconds: 0 };
  const owner = await datasetOwner(client, schema, lock);
  if (!opts.wait) {
    throw new PgscaleError('BUSY', `${busy(schema, owner, 'is loading')}`, {
      hint: 'Wait for it to finish (run again without --no-wait, which waits and then reuses its data set), or stop it: its committed chunks are kept.',
    });
  }
  const t0 = performance.now();
  const every = opts.every ?? 15_000;
  opts.onWait?.(`waiting for ${busy(schema, owner, 'loading')}`, 0);
  let told = t0;
  for (;;) {
    if (opts.signal?.aborted) throw new PgscaleError('INTERRUPTED', `interrupted while waiting for schema '${schema}'`);
    await new Promise((r) => setTimeout(r, 250));
    if (await take()) return { waitedSeconds: (performance.now() - t0) / 1000 };
    if (performance.now() - told >= every) {
      told = performance.now();
      opts.onWait?.(`still waiting for schema '${schema}' (${((told - t0) / 1000).toFixed(0)} s)`, (told - t0) / 1000);
    }
  }
}

/** For `drop`: refuse while another session owns the data set, naming it. */
export async function assertNotBusy(client: pg.Client, schema: string): Promise<void> {
  if (await tryLockDataset(client, schema)) return;
  const owner = await datasetOwner(client, schema);
  throw new PgscaleError('BUSY', `cannot drop: ${busy(schema, owner, 'is using')}`, {
    hint: 'Wait for it to finish, or stop it first; then drop the schema.',
  });
}
