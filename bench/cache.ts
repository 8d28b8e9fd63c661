/**
 * A stated, controlled cache: VACUUM ANALYZE (visibility map set, statistics fresh, no
 * hint-bit writes during timing), then every measured relation read into shared
 * buffers — with pg_prewarm when the extension can be had, else a sequential read pass
 * (which warms the OS cache but, for a table larger than a quarter of shared_buffers,
 * not shared buffers: a large seq scan uses a small ring buffer; see
 * src/backend/storage/buffer/README, "Buffer Ring Replacement Strategy").
 * pg_prewarm is used wherever it is installed; pgscale installs it only into the
 * pgscale-owned schema being measured, never into `public`.
 * https://www.postgresql.org/docs/current/pgprewarm.html
 */
import type pg from 'pg';
import { qualified, quoteIdent } from '../db/quote.ts';
import { inspectSchema } from '../db/schema.ts';

export type PrewarmMethod = 'pg_prewarm' | 'sequential-read' | 'none';

export interface CacheReport {
  method: PrewarmMethod;
  /** Why pg_prewarm was not used, when it was not. */
  fallbackReason?: string;
  /** The schema pg_prewarm was called from, when it was used. */
  extensionSchema?: string;
  /** True when this call installed pg_prewarm (into the measured, pgscale-owned schema). */
  extensionInstalled?: boolean;
  vacuumed: string[];
  /** Relations (heap, TOAST and index leaves) read into the cache. */
  relationsWarmed: number;
  blocksWarmed: number;
  seconds: number;
}

export interface CacheOptions {
  /** Skip VACUUM ANALYZE (the caller just did it). @default false */
  skipVacuum?: boolean;
  /** Use pg_prewarm: as installed, or installed into `schema` when pgscale owns it (needs rights). @default true */
  usePrewarm?: boolean;
  /** The tables to read into the cache (a subset of `tables`: the others are only vacuumed). @default all of them */
  prewarm?: string[];
}

/** Where pg_prewarm lives for this call, or why it cannot be used. */
interface PrewarmExtension {
  schema?: string;
  /** True when this call installed it (into the measured schema). */
  installed?: boolean;
  reason?: string;
}

async function installedIn(client: pg.Client): Promise<string | undefined> {
  const r = await client.query<{ nspname: string }>(
    `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_prewarm'`,
  );
  return r.rows[0]?.nspname;
}

/**
 * pg_prewarm where it already is (any schema: its functions are called schema-qualified),
 * else installed WITH SCHEMA the measured schema — only when pgscale created that schema,
 * so it never lands in `public` or the first schema of someone's search_path, and the
 * schema's DROP removes the extension with it. A reason string when neither works.
 */
async function prewarmExtension(client: pg.Client, schema: string): Promise<PrewarmExtension> {
  const found = await installedIn(client);
  if (found) return { schema: found, installed: false };
  const info = await inspectSchema(client, schema);
  if (!info.owned) {
    return { reason: `pg_prewarm is not installed, and pgscale installs it only into a schema it created ('${schema}' is not one)` };
  }
  try {
    await client.query(`CREATE EXTENSION pg_prewarm WITH SCHEMA ${quoteIdent(schema)}`);
  } catch (err) {
    // Another session may have installed it meanwhile (duplicate_object): use that one.
    const meanwhile = await installedIn(client);
    if (meanwhile) return { schema: meanwhile, installed: false };
    // Not fatal: the run goes on with the fallback, and the results say which was used.
    const code = (err as { code?: string }).code;
    return { reason: `CREATE EXTENSION pg_prewarm WITH SCHEMA ${quoteIdent(schema)} failed${code ? ` [SQLSTATE ${code}]` : ''}: ${(err as Error).message}` };
  }
  return { schema, installed: true };
}

/** Leaf relations of the tables: their heaps, TOAST tables and indexes (regclass text). */
async function leafRelations(client: pg.Client, tables: string[]): Promise<Array<{ rel: string; kind: 'heap' | 'toast' | 'index' }>> {
  const r = await client.query<{ rel: string; kind: 'heap' | 'toast' | 'index' }>(
    `WITH t AS (SELECT unnest($1::text[])::regclass AS root),
     leaves AS (
       SELECT p.relid FROM t, pg_partition_tree(t.root) p WHERE p.isleaf
       UNION
       SELECT t.root FROM t WHERE NOT EXISTS (SELECT 1 FROM pg_partition_tree(t.root))
     )
     SELECT c.oid::regclass::text AS rel, 'heap' AS kind FROM leaves l JOIN pg_class c ON c.oid = l.relid
     UNION ALL
     SELECT c.reltoastrelid::regclass::text, 'toast' FROM leaves l JOIN pg_class c ON c.oid = l.relid WHERE c.reltoastrelid <> 0
     UNION ALL
     SELECT i.indexrelid::regclass::text, 'index' FROM leaves l JOIN pg_index i ON i.indrelid = l.relid`,
    [tables],
  );
  return r.rows;
}

/**
 * VACUUM ANALYZE the tables of `schema`, then read them (or the `prewarm` subset) and
 * their indexes into the cache. Returns what was done, for the results.
 */
export async function warmCache(client: pg.Client, schema: string, tables: string[], opts: CacheOptions = {}): Promise<CacheReport> {
  const t0 = performance.now();
  const names = tables.map((t) => qualified(schema, t));
  // VACUUM cannot run in a transaction block; one statement per table keeps errors precise.
  if (!opts.skipVacuum) for (const n of names) await client.query(`VACUUM (ANALYZE) ${n}`);
  const leaves = await leafRelations(client, (opts.prewarm ?? tables).map((t) => qualified(schema, t)));
  let method: PrewarmMethod = 'none';
  let fallbackReason: string | undefined;
  let blocks = 0;
  const ext: PrewarmExtension = opts.usePrewarm === false ? { reason: 'pg_prewarm disabled by the caller' } : await prewarmExtension(client, schema);
  if (ext.schema) {
    method = 'pg_prewarm';
    for (const l of leaves) {
      const r = await client.query<{ n: string }>(`SELECT ${quoteIdent(ext.schema)}.pg_prewarm($1::regclass) AS n`, [l.rel]);
      blocks += Number(r.rows[0].n);
    }
  } else {
    method = 'sequential-read';
    fallbackReason = ext.reason;
    // Heaps only (regclass text is already quoted): TOAST tables cannot be selected
    // from without superuser, and an index is warmed by each query's own warm-up.
    for (const l of leaves.filter((x) => x.kind === 'heap')) await client.query(`SELECT count(*) FROM ${l.rel}`);
  }
  return {
    method,
    fallbackReason,
    extensionSchema: method === 'pg_prewarm' ? ext.schema : undefined,
    extensionInstalled: method === 'pg_prewarm' ? ext.installed : undefined,
    vacuumed: opts.skipVacuum ? [] : names,
    relationsWarmed: method === 'pg_prewarm' ? leaves.length : leaves.filter((x) => x.kind === 'heap').length,
    blocksWarmed: method === 'pg_prewarm' ? blocks : 0,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The one-line cache statement results carry (stable across runs of the same setup). */
export function describeCacheState(methods: ReadonlySet<PrewarmMethod>): string {
  if (methods.size === 0) return 'as found (no prewarm)';
  const how = [...methods].sort().map((m) => (m === 'pg_prewarm' ? 'pg_prewarm of heap, TOAST and indexes' : m === 'sequential-read' ? 'a sequential read of each heap (pg_prewarm unavailable)' : 'no prewarm'));
  return `warm: VACUUM ANALYZE, then ${how.join(' / ')}; every query warmed up before timing`;
}
