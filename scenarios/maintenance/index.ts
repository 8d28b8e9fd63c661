/**
 * maintenance: what `REINDEX INDEX CONCURRENTLY idx_messages_session` and `CLUSTER
 * message_history USING idx_messages_session` buy and cost (README.md beside this file).
 * The data set's last months are copied into a scratch schema's partitioned
 * message_history in a shuffled order, the session index grown by the inserts; then it is
 * measured as written, after the REINDEX, and after the CLUSTER: the heap blocks holding a
 * session's messages (and the buffers its lookup touches), the lookup's latency, the
 * index's size. Each operation is timed with the WAL it wrote, then run again behind an
 * open transaction to see its locks and whether a read and a write get through meanwhile.
 */
import type pg from 'pg';
import { findSize, tableSizes } from '../../bench/sizes.ts';
import { qualified, quoteIdent } from '../../db/quote.ts';
import type { MetricDeclarations, NamedMetrics, Scenario, ScenarioContext, ScenarioOutcome, ScenarioVariant } from '../index.ts';
import { inVariant, measureQuery } from '../measure.ts';
import { fill, namedStatements, readSql, statement } from '../sql.ts';
import { type Copy, describeFindings } from './findings.ts';
import { type Observed, type Timed, clusterForms, observe, timed } from './operations.ts';

const NAME = 'maintenance';
export const VARIANTS = ['as-written', 'reindexed', 'clustered'] as const;
export type Stage = (typeof VARIANTS)[number];
/** The calendar months copied: the last ones of the span. */
export const COPY_MONTHS = 2;
export const TABLE = 'message_history';
export const INDEX = 'idx_messages_session';

/** The operation that leads to each stage after the first (PostgreSQL 18 runs both on a partitioned table). */
export const OPERATION: Record<Exclude<Stage, 'as-written'>, (schema: string) => string> = {
  reindexed: (schema) => `REINDEX INDEX CONCURRENTLY ${qualified(schema, INDEX)}`,
  // CLUSTER … USING takes the index's bare name: it must be an index of that table.
  clustered: (schema) => `CLUSTER ${qualified(schema, TABLE)} USING ${quoteIdent(INDEX)}`,
};

/**
 * What each named metric is. Block counts and sizes follow from the data and the
 * operation: judged. An operation's time and WAL are single observations: shown. The
 * lock probes are facts of PostgreSQL's lock levels (1 blocked, 0 not): shown.
 */
export const METRICS = {
  sessionHeapBlocks: { kind: 'count' },
  heapBlocksPerSession: { kind: 'count', gated: false },
  sessionBuffers: { kind: 'count', gated: false },
  indexBytes: { kind: 'size' },
  heapBytes: { kind: 'size' },
  operationSeconds: { kind: 'timing', gated: false },
  operationWalBytes: { kind: 'size', gated: false },
  readBlocked: { kind: 'info' },
  writeBlocked: { kind: 'info' },
  copiedRows: { kind: 'info' },
  sessionMessages: { kind: 'info' },
  floorBlocksPerSession: { kind: 'info', gated: false },
} satisfies MetricDeclarations;
export type MaintenanceMetric = keyof typeof METRICS;

const setupSql = namedStatements(readSql(import.meta.url, 'setup.sql'));
const querySql = namedStatements(readSql(import.meta.url, 'queries.sql'));

/** One stage's measurements. */
export interface StageMeasure {
  variant: ScenarioVariant<MaintenanceMetric>;
  operation?: Timed;
  observed?: Observed;
}

async function prepare(ctx: ScenarioContext, client: pg.Client, src: string, dest: string): Promise<Copy> {
  const where = { scenario: NAME, variant: 'setup' };
  const table = qualified(dest, TABLE);
  const w = (await client.query<{ first: Date; end: Date }>(fill(statement(setupSql, 'window'), { src: quoteIdent(src) }), [COPY_MONTHS])).rows[0];
  const first = w.first.toISOString();
  const end = w.end.toISOString();
  // Month partitions outside the copy stay empty: dropped (they are this scratch schema's own).
  const empty = await client.query<{ name: string }>(statement(setupSql, 'empty-partitions'), [table, first, end]);
  for (const { name } of empty.rows) await client.query(`DROP TABLE ${qualified(dest, name)}`);
  const leaves = (await client.query<{ name: string }>(statement(setupSql, 'leaves'), [table])).rows.map((l) => l.name);
  for (const leaf of leaves) await client.query(fill(statement(setupSql, 'autovacuum-off'), { table: qualified(dest, leaf) }));
  await inVariant(where, 'index', () => client.query(fill(statement(setupSql, 'session-index'), { table })));
  ctx.log(`${NAME}: copying message_history from ${first.slice(0, 7)} to ${end.slice(0, 7)} (exclusive) into ${dest}, shuffled`);
  await inVariant(where, 'copy', () => client.query(fill(statement(setupSql, 'copy-shuffled'), { src: quoteIdent(src), dest: quoteIdent(dest) }), [first, end]), TABLE);
  await inVariant(where, 'vacuum and prewarm', () => ctx.warm(client, dest, [TABLE]));
  const rows = Number((await client.query<{ n: string }>(fill(statement(setupSql, 'rows'), { table }))).rows[0].n);
  const s = (await client.query<{ session_id: string; messages: number }>(fill(statement(setupSql, 'busiest-session'), { table }))).rows[0];
  const wal = (await client.query<{ level: string; skip: string }>(`SELECT current_setting('wal_level') AS level, current_setting('wal_skip_threshold') AS skip`)).rows[0];
  return { schema: dest, first, end, rows, partitions: leaves.length, walLevel: wal.level, walSkipThreshold: wal.skip, session: { id: s?.session_id ?? '00000000-0000-0000-0000-000000000000', messages: s?.messages ?? 0 } };
}

async function measureStage(ctx: ScenarioContext, client: pg.Client, copy: Copy, stage: Stage): Promise<ScenarioVariant<MaintenanceMetric>> {
  const where = { scenario: NAME, variant: stage, schema: copy.schema };
  const table = qualified(copy.schema, TABLE);
  return inVariant(where, 'measure', async () => {
    // Fresh statistics for the plan and the rows-per-block figure: CLUSTER and REINDEX leave them as they were.
    await client.query(`ANALYZE ${table}`);
    const sizes = await tableSizes(client, copy.schema, TABLE, copy.rows);
    const session = await measureQuery(client, { name: 'session-messages', sql: fill(statement(querySql, 'session'), { table }), params: [copy.session.id], labels: { messages: copy.session.messages } }, ctx.latency, where);
    const blocks = (await client.query<{ blocks: number }>(fill(statement(querySql, 'session-blocks'), { table }), [copy.session.id])).rows[0].blocks;
    const perBlock = (await client.query<{ n: number }>(statement(querySql, 'rows-per-block'), [table])).rows[0].n;
    const spread = (await client.query<{ mean: number; floor: number }>(fill(statement(querySql, 'blocks-per-session'), { table }), [perBlock])).rows[0];
    const metrics: NamedMetrics<MaintenanceMetric> = {
      sessionHeapBlocks: blocks,
      heapBlocksPerSession: spread.mean,
      floorBlocksPerSession: spread.floor,
      sessionBuffers: (session.planSummary?.sharedHit ?? 0) + (session.planSummary?.sharedRead ?? 0),
      indexBytes: findSize(sizes, INDEX, 'index')?.bytes ?? 0,
      heapBytes: findSize(sizes, TABLE, 'table')?.bytes ?? 0,
    };
    return { name: stage, description: DESCRIPTIONS[stage], sizes, queries: [session], metrics };
  });
}

const DESCRIPTIONS: Record<Stage, string> = {
  'as-written': 'the copy as written: rows in a shuffled order, idx_messages_session grown by the inserts',
  reindexed: 'after REINDEX INDEX CONCURRENTLY idx_messages_session (every partition\'s index rebuilt)',
  clustered: 'after CLUSTER message_history USING idx_messages_session (every partition rewritten in index order)',
};

export const maintenance: Scenario<MaintenanceMetric> = {
  name: NAME,
  description: 'REINDEX INDEX CONCURRENTLY and CLUSTER on idx_messages_session over shuffled messages: heap blocks per session, latency, index size; each one\'s time, WAL and locks',
  hypothesis:
    'On messages written in an order unrelated to their session, one session\'s messages lie on about as many heap blocks as it has messages; CLUSTER rewrites each partition in session order so they share a block or two, at the price of an ACCESS EXCLUSIVE lock that stops reads and writes while it runs. REINDEX CONCURRENTLY shrinks an index grown by random inserts to a packed one without blocking reads or writes, and moves no heap row.',
  claim: 'Maintenance: rebuild idx_messages_session weekly (REINDEX INDEX CONCURRENTLY), ANALYZE message_history monthly, CLUSTER it on idx_messages_session quarterly.',
  variants: VARIANTS,
  datasets: ['smallint'],
  scratch: { table: 'message_history', copies: 1, months: COPY_MONTHS, style: 'smallint' },
  core: false,
  metrics: METRICS,
  async run(ctx: ScenarioContext): Promise<ScenarioOutcome<MaintenanceMetric>> {
    const ds = await inVariant({ scenario: NAME, variant: 'setup' }, 'load', () => ctx.dataset('smallint'));
    const schema = await ctx.scratchSchema('maint');
    const client = await ctx.target.connect();
    try {
      const copy = await prepare(ctx, client, ds.schema, schema);
      const table = qualified(schema, TABLE);
      const stages: StageMeasure[] = [{ variant: await measureStage(ctx, client, copy, 'as-written') }];
      for (const stage of ['reindexed', 'clustered'] as const) {
        const where = { scenario: NAME, variant: stage };
        const sqlText = OPERATION[stage](schema);
        ctx.log(`${NAME}: ${sqlText}`);
        const operation = await inVariant(where, sqlText, () => timed(client, () => client.query(sqlText)), TABLE);
        const variant = await measureStage(ctx, client, copy, stage);
        stages.push({ variant, operation });
      }
      ctx.log(`${NAME}: the other forms of CLUSTER on a partitioned table`);
      const forms = await inVariant({ scenario: NAME, variant: 'clustered' }, 'other forms of CLUSTER', () => clusterForms(client, table, quoteIdent(INDEX), qualified(schema, INDEX), OPERATION.clustered(schema)), TABLE);
      // Observed after the measurements: a second run of each, behind an open transaction.
      for (const s of stages.slice(1)) {
        const stage = s.variant.name as Exclude<Stage, 'as-written'>;
        const sqlText = OPERATION[stage](schema);
        s.observed = await inVariant({ scenario: NAME, variant: stage }, `${sqlText} behind an open transaction`, () => observe(ctx.target, client, { table, sessionId: copy.session.id, operation: sqlText }), TABLE);
        s.variant.metrics.operationSeconds = s.operation!.seconds;
        s.variant.metrics.operationWalBytes = s.operation!.walBytes;
        if (s.observed.probedWhileRunning) {
          s.variant.metrics.readBlocked = s.observed.readBlocked ? 1 : 0;
          s.variant.metrics.writeBlocked = s.observed.writeBlocked ? 1 : 0;
        }
      }
      const { finding, notes } = describeFindings(stages, copy, forms);
      return { finding, notes, variants: stages.map((s) => s.variant), metrics: { copiedRows: copy.rows, sessionMessages: copy.session.messages } };
    } finally {
      await client.end().catch(() => undefined);
      // Scratch: dropped even on failure (a failed drop is reported, not hidden).
      await ctx.dropScratch(schema).catch((err: unknown) => ctx.log(`${NAME}: could not drop scratch schema ${schema}: ${(err as Error).message}`));
    }
  },
};
