/**
 * Scenario `uuid-keys`: primary keys from random UUIDv4 against time-ordered UUIDv7
 * (PostgreSQL 18's uuidv7()), under the same insert traffic (README.md beside this file).
 * Each arm gets a message-shaped table in a scratch schema, preloaded with the run's scale
 * of rows, then a CHECKPOINT and a closed-loop burst of single-row inserts from the
 * traffic engine (workloads/uuid-keys.ts). Measured per arm: insert throughput and
 * latency, the primary key's size and leaf fill (pgstattuple), the WAL written and its
 * full-page images (pg_walinspect), the index blocks the inserts changed, and the blocks
 * read from outside shared_buffers; then a point lookup by key, with its plan.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { contribExtension } from '../../bench/extensions.ts';
import { findSize, tableSizes } from '../../bench/sizes.ts';
import { defaultPoolSize } from '../../bench/traffic/capacity.ts';
import { prepareWorkload, trafficConnection } from '../../bench/traffic/dataset-run.ts';
import { runTraffic } from '../../bench/traffic/engine.ts';
import { importWorkload } from '../../bench/traffic/workload.ts';
import { PgscaleError } from '../../core/errors.ts';
import { qualified, quoteIdent } from '../../db/quote.ts';
import { KEY_FUNCTIONS, type KeyKind } from '../../workloads/uuid-keys.ts';
import type { MetricDeclarations, NamedMetrics, Scenario, ScenarioContext, ScenarioOutcome, ScenarioVariant } from '../index.ts';
import { inVariant, measureQuery } from '../measure.ts';
import { fill, namedStatements, readSql, statement } from '../sql.ts';
import { type ArmFacts, uuidKeysFinding } from './findings.ts';
import { buffersSince, mark, settleBackends, walSince } from './wal.ts';

const NAME = 'uuid-keys';
const VARIANTS = ['uuidv4', 'uuidv7'] as const satisfies readonly KeyKind[];
const WORKLOAD = fileURLToPath(new URL('../../workloads/uuid-keys.ts', import.meta.url));
const APPLICATION = 'pgscale traffic';

/**
 * What each arm's named metrics are. Throughput, sizes, fill and WAL are judged; the row
 * counts and the cache counters are shown (the reads depend on what else the server
 * holds in shared_buffers, so they are context, not a verdict).
 */
export const METRICS = {
  insertRate: { kind: 'throughput', unit: 'ops/s', direction: 'bigger' },
  insertP99Ms: { kind: 'latency', unit: 'ms', gated: false },
  rowsInserted: { kind: 'info', gated: false },
  indexBytesPerRow: { kind: 'size', unit: 'B' },
  leafDensity: { kind: 'size', unit: '%', direction: 'bigger' },
  leafFragmentation: { kind: 'size', unit: '%', gated: false },
  leafPages: { kind: 'count', gated: false },
  walBytesPerRow: { kind: 'size', unit: 'B' },
  indexWalFpis: { kind: 'count', gated: false },
  indexFpiBytesPerRow: { kind: 'size', unit: 'B' },
  indexBlocksTouched: { kind: 'count', gated: false },
  heapBlocksTouched: { kind: 'count', gated: false },
  indexBlocksRead: { kind: 'count', gated: false },
  indexBlocksHit: { kind: 'count', gated: false },
} satisfies MetricDeclarations;
type UuidKeysMetric = keyof typeof METRICS;

const sql = namedStatements(readSql(import.meta.url, 'setup.sql'));

/** What the arms share: the scratch schema, the tools found in it, and the traffic settings. */
interface Setup {
  ctx: ScenarioContext;
  client: pg.Client;
  schema: string;
  pgstattuple: string;
  walinspect?: string;
  checkpointed: boolean;
}

/** CHECKPOINT, so every block's first change afterwards writes a full-page image; false when the role may not. */
async function checkpoint(client: pg.Client): Promise<boolean> {
  try {
    await client.query('CHECKPOINT');
    return true;
  } catch (err) {
    // 42501: CHECKPOINT needs superuser or pg_checkpoint (PostgreSQL 15+); the figures then depend on when the last one ran.
    if ((err as { code?: string }).code === '42501') return false;
    throw err;
  }
}

async function runArm(s: Setup, key: KeyKind): Promise<{ variant: ScenarioVariant<UuidKeysMetric>; facts: ArmFacts }> {
  const { ctx, client, schema } = s;
  const where = { scenario: NAME, variant: key, schema };
  const table = `keys_${key}`;
  const index = `${table}_pkey`;
  const frag = { table: qualified(schema, table), key: KEY_FUNCTIONS[key] };
  const preload = ctx.data.scale;
  await inVariant(where, 'create and preload', async () => {
    await client.query(fill(statement(sql, 'create'), frag));
    await client.query(fill(statement(sql, 'preload'), frag), [preload, new Date(Date.UTC(2025, 0, 1))]);
  });
  await inVariant(where, 'vacuum and prewarm', () => ctx.warm(client, schema, [table]));
  if (s.checkpointed) await inVariant(where, 'checkpoint', () => checkpoint(client));
  const from = await mark(client, schema, table);

  const params = { schema, scale: ctx.data.scale, seed: ctx.data.seed, months: ctx.data.months, enums: 'smallint' as const, vars: { table, keys: key }, clockStartMs: Date.UTC(2025, 0, 1) };
  await inVariant(where, 'prepare the workload', async () => prepareWorkload(ctx.target, schema, (await importWorkload(WORKLOAD)).prepare, params));
  const run = await inVariant(where, 'insert traffic', () =>
    runTraffic({
      connection: trafficConnection(ctx.target, schema),
      workload: { kind: 'module', name: NAME, path: WORKLOAD },
      params,
      clients: Math.min(defaultPoolSize(), 16),
      threads: Math.min(availableParallelism(), 4),
      durationSeconds: Math.max(2, 3 * ctx.traffic.stepSeconds),
      warmupSeconds: ctx.traffic.warmupSeconds,
      seed: ctx.data.seed,
      drainSeconds: 3,
    }),
  );
  if (run.fatal) throw new PgscaleError('SERVER', `${NAME}/${key}: ${run.fatal.message}`);
  const t = run.traffic;
  if (t.errors > 0) throw new PgscaleError('SERVER', `${NAME}/${key}: ${t.errors} inserts failed (${Object.entries(t.errorsBySqlstate).map(([c, n]) => `${c} × ${n}`).join(', ')})`);
  ctx.log(`${NAME}: ${key}: ${t.achievedRate.toFixed(0)} inserts/s, p99 ${t.latencyMs.p99.toFixed(2)} ms`);

  return inVariant(where, 'after the inserts', async () => {
    await settleBackends(client, APPLICATION);
    const io = await buffersSince(client, schema, table, from);
    const wal = await walSince(client, from, { schema, table, index }, s.walinspect);
    const rows = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${frag.table}`)).rows[0].n);
    const inserted = rows - preload;
    const stat = (
      await client.query<{ leaf_pages: string; avg_leaf_density: string; leaf_fragmentation: string }>(
        `SELECT leaf_pages, avg_leaf_density, leaf_fragmentation FROM ${quoteIdent(s.pgstattuple)}.pgstatindex($1::regclass)`,
        [qualified(schema, index)],
      )
    ).rows[0];
    const sizes = await tableSizes(client, schema, table, rows);
    const indexBytes = findSize(sizes, index, 'index')?.bytes ?? 0;
    const key0 = (await client.query<{ id: string }>(fill(statement(sql, 'lookup-key'), frag))).rows[0].id;
    const lookup = await measureQuery(client, { name: 'lookup-by-key', sql: fill(statement(sql, 'lookup'), frag), params: [key0], labels: { keys: key } }, ctx.latency, where);
    const per = (x: number) => (inserted > 0 ? x / inserted : 0);
    const metrics: NamedMetrics<UuidKeysMetric> = {
      insertRate: t.achievedRate,
      insertP99Ms: t.latencyMs.p99,
      rowsInserted: inserted,
      indexBytesPerRow: indexBytes / rows,
      leafDensity: Number(stat.avg_leaf_density),
      leafFragmentation: Number(stat.leaf_fragmentation),
      leafPages: Number(stat.leaf_pages),
      walBytesPerRow: per(wal.walBytes),
      indexBlocksRead: io.indexRead,
      indexBlocksHit: io.indexHit,
      ...(wal.detail
        ? { indexWalFpis: wal.detail.index.fpis, indexFpiBytesPerRow: per(wal.detail.index.fpiBytes), indexBlocksTouched: wal.detail.index.blocks, heapBlocksTouched: wal.detail.heap.blocks }
        : {}),
    };
    const facts: ArmFacts = {
      name: key,
      rate: t.achievedRate,
      perSecond: t.series.map((x) => x.transactions),
      rowsInserted: inserted,
      indexBytesPerRow: indexBytes / rows,
      leafDensity: Number(stat.avg_leaf_density),
      leafPages: Number(stat.leaf_pages),
      walBytesPerRow: per(wal.walBytes),
      indexFpiBytesPerRow: metrics.indexFpiBytesPerRow,
      indexBlocksTouched: metrics.indexBlocksTouched,
      indexBlocksRead: io.indexRead,
    };
    return { variant: { name: key, sizes, queries: [lookup], metrics }, facts };
  });
}

export const uuidKeys: Scenario<UuidKeysMetric> = {
  name: NAME,
  description: 'random UUIDv4 against time-ordered UUIDv7 primary keys: insert throughput, index size and fill, WAL and full-page images, cache working set',
  hypothesis:
    'Random UUIDv4 keys insert all over the primary key: pages split in the middle and stay about 70 % full, every leaf page is changed (and after a checkpoint written whole to the WAL) and must stay in memory; UUIDv7 keys append at the right edge, so the index is smaller and denser, the inserts write far less WAL and touch only the last few pages.',
  claim: 'Ids of high-volume tables are UUIDs (generated, never colliding); message_history is keyed by (id, created_at) with random ids.',
  variants: VARIANTS,
  // Two message-shaped tables of the run's scale of rows exist at once, with about 100 B
  // of content each: declared as two copies of half of message_history (its rows are far
  // longer), an upper bound for the plan's disk.
  scratch: { table: 'message_history', copies: 2, months: 12, style: 'smallint' },
  core: false,
  metrics: METRICS,
  async run(ctx): Promise<ScenarioOutcome<UuidKeysMetric>> {
    const client = await ctx.target.connect();
    let schema: string | undefined;
    try {
      const v7 = await client.query<{ f: string | null }>(`SELECT to_regprocedure('uuidv7()')::text AS f, current_setting('server_version') AS v`);
      if (!v7.rows[0].f) {
        return { finding: `skipped: the server has no uuidv7() (PostgreSQL 18 added it; this one is ${(v7.rows[0] as { v?: string }).v}).`, variants: [], skipped: true };
      }
      schema = await ctx.scratchSchema('uuid_keys');
      const stattuple = await contribExtension(client, 'pgstattuple', schema);
      if ('reason' in stattuple) throw new PgscaleError('SERVER', `${NAME}: pgstattuple is needed for the index's leaf fill: ${stattuple.reason}`, { hint: 'Install it (CREATE EXTENSION pgstattuple, contrib) or run as a role that may.' });
      const walinspect = await contribExtension(client, 'pg_walinspect', schema);
      const checkpointed = await checkpoint(client);
      const s: Setup = { ctx, client, schema, pgstattuple: stattuple.schema, walinspect: 'schema' in walinspect ? walinspect.schema : undefined, checkpointed };
      const arms = [];
      for (const key of VARIANTS) arms.push(await runArm(s, key));
      const [a4, a7] = arms.map((a) => a.facts);
      const settings = (await client.query<{ fpw: string; sb: string; checksums: string }>(`SELECT current_setting('full_page_writes') AS fpw, current_setting('shared_buffers') AS sb, current_setting('data_checksums') AS checksums`)).rows[0];
      const notes = [
        `Each arm's table was preloaded with ${ctx.data.scale.toLocaleString('en-US')} rows (the run's scale) of its own key kind, vacuumed and read into shared_buffers, then took ${arms.map((a) => `${a.facts.rowsInserted.toLocaleString('en-US')} (${a.facts.name})`).join(' and ')} single-row inserts from ${Math.min(defaultPoolSize(), 16)} connections in a closed loop; the arms ran one after the other, UUIDv4 first, in scratch schema ${schema} (dropped afterwards).`,
        checkpointed
          ? `A CHECKPOINT ran before each arm, so a block's first change afterwards wrote a full-page image (full_page_writes = ${settings.fpw}, data_checksums = ${settings.checksums}): the index's full-page images count the distinct index pages the inserts changed, its write working set.`
          : 'CHECKPOINT was not allowed for this role: full-page images depend on when the server last checkpointed, so the WAL figures of the two arms are not strictly comparable.',
        walinspect && 'reason' in walinspect ? `Without pg_walinspect (${walinspect.reason}) only the total WAL bytes were measured, not the index's full-page images.` : 'WAL per insert is the whole server\'s WAL between the marks (pg_current_wal_lsn) divided by the rows inserted, warm-up included; the index\'s full-page images and blocks come from pg_walinspect for that range.',
        `Cache: shared_buffers is ${settings.sb}; an index that fits in it shows no reads from outside it in either arm. At production size a random-key index needs all its leaf pages in memory to insert without reads (${a4.leafPages.toLocaleString('en-US')} here, ${a4.indexBytesPerRow.toFixed(0)} B per row), a time-ordered one only its right edge.`,
      ];
      return { finding: uuidKeysFinding(a4, a7), notes, variants: arms.map((a) => a.variant) };
    } finally {
      await client.end().catch(() => undefined);
      if (schema) await ctx.dropScratch(schema).catch((err: unknown) => ctx.log(`${NAME}: could not drop scratch schema ${schema}: ${(err as Error).message}`));
    }
  },
};
