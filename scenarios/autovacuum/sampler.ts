/**
 * What autovacuum did, sampled while the churn runs: every interval, on a connection of
 * its own, the statistics system's live and dead row versions and autovacuum runs of each
 * churned table, and with pgstattuple the exact dead and free space of its heap and the
 * size and leaf density of its index. Ticks are counted from the start (interval × i), so
 * a slow sample does not push the later ones back.
 */
import type pg from 'pg';
import { qualified, quoteIdent } from '../../db/quote.ts';
import { fill, namedStatements, readSql, statement } from '../sql.ts';

const sql = namedStatements(readSql(import.meta.url, 'stats.sql'));

/** One table at one moment. */
export interface TableSample {
  live: number;
  dead: number;
  /** Autovacuum and autoanalyze runs since the statistics began (the caller takes differences). */
  autovacuums: number;
  autoanalyzes: number;
  /** When the last autovacuum ended (ms since the epoch), if ever. */
  lastAutovacuumMs?: number;
  updates: number;
  hotUpdates: number;
  /** pgstattuple's figures, when it is available. */
  heapBytes?: number;
  deadPercent?: number;
  freePercent?: number;
  indexBytes?: number;
  leafDensity?: number;
}

export interface Sample {
  /** Seconds since the sampler started. */
  seconds: number;
  tables: Record<string, TableSample>;
}

export interface SamplerOptions {
  schema: string;
  /** Table → the index whose bloat is followed. */
  tables: Readonly<Record<string, string>>;
  /** Schema of pgstattuple's functions; without it, only the statistics system's counts. */
  pgstattuple?: string;
  everySeconds: number;
}

/** Take one sample now. */
export async function sampleOnce(client: pg.Client, opts: SamplerOptions, seconds: number): Promise<Sample> {
  // The statistics snapshot is cached for a transaction (stats_fetch_consistency = cache): a fresh one each time.
  await client.query('SELECT pg_stat_clear_snapshot()');
  const names = Object.keys(opts.tables);
  const rows = (
    await client.query<{ table: string; live: string; dead: string; autovacuums: string; autoanalyzes: string; last_autovacuum: string | null; updates: string; hot_updates: string }>(
      statement(sql, 'activity'),
      [opts.schema, names],
    )
  ).rows;
  const tables: Record<string, TableSample> = {};
  for (const r of rows) {
    tables[r.table] = {
      live: Number(r.live),
      dead: Number(r.dead),
      autovacuums: Number(r.autovacuums),
      autoanalyzes: Number(r.autoanalyzes),
      ...(r.last_autovacuum !== null ? { lastAutovacuumMs: Number(r.last_autovacuum) * 1000 } : {}),
      updates: Number(r.updates),
      hotUpdates: Number(r.hot_updates),
    };
  }
  if (opts.pgstattuple) {
    const frag = { pgstattuple: quoteIdent(opts.pgstattuple) };
    for (const [table, index] of Object.entries(opts.tables)) {
      const t = tables[table];
      if (!t) continue;
      const heap = (await client.query<{ bytes: string; dead_percent: number; free_percent: number }>(fill(statement(sql, 'table-bloat'), frag), [qualified(opts.schema, table)])).rows[0];
      const ix = (await client.query<{ bytes: string; leaf_density: number }>(fill(statement(sql, 'index-bloat'), frag), [qualified(opts.schema, index)])).rows[0];
      Object.assign(t, { heapBytes: Number(heap.bytes), deadPercent: Number(heap.dead_percent), freePercent: Number(heap.free_percent), indexBytes: Number(ix.bytes), leafDensity: Number(ix.leaf_density) });
    }
  }
  return { seconds, tables };
}

/** Sample every `everySeconds` until stop(), which returns the samples (the last one taken at stop). */
export function startSampler(client: pg.Client, opts: SamplerOptions): { stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  let stopped = false;
  let wake: (() => void) | undefined;
  let failed: unknown;
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      samples.push(await sampleOnce(client, opts, elapsed()));
      const next = (i + 1) * opts.everySeconds * 1000 - (performance.now() - t0);
      if (next > 0 && !stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, next);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  })().catch((err: unknown) => {
    // Kept for stop(): a sample that fails must fail the arm, not go unhandled meanwhile.
    failed = err;
  });
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      if (failed !== undefined) throw failed;
      samples.push(await sampleOnce(client, opts, elapsed()));
      return samples;
    },
  };
}
