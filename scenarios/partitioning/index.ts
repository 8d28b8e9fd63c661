/**
 * partitioning: message_history in monthly partitions against one unpartitioned table
 * holding the same rows (the last months of the span, copied into a scratch schema).
 * Per arm: sizes; range latency at a day and a month (partitions scanned); a session's
 * messages by session_id alone (every partition's index probed); retention of the oldest
 * month (DROP vs DELETE + VACUUM; DETACH … CONCURRENTLY of the next) with wall time, WAL
 * bytes and the bytes left behind. The partitioned arm also creates a month ahead with
 * create_monthly_partition() and shows where rows past the created months land (DEFAULT).
 */
import type pg from 'pg';
import { type RelationSize, tableSizes } from '../../bench/sizes.ts';
import { qualified, quoteIdent } from '../../db/quote.ts';
import type { QueryResult } from '../../reports/schema.ts';
import type { MetricDeclarations, NamedMetrics, Scenario, ScenarioContext, ScenarioOutcome, ScenarioVariant } from '../index.ts';
import { type MeasureWhere, inVariant, measureQuery } from '../measure.ts';
import { fill, namedStatements, readSql, statement } from '../sql.ts';
import { describeFindings } from './findings.ts';
import { type DefaultCatch, type Retention, type Step, catchInDefault, retainPartitioned, retainUnpartitioned } from './retention.ts';

const NAME = 'partitioning';
export const VARIANTS = ['partitioned', 'unpartitioned'] as const;
export type Arm = (typeof VARIANTS)[number];
/** The calendar months copied: the last ones of the span (retention takes the oldest two). */
export const COPY_MONTHS = 6;

const HOUR_MS = 3_600_000;

/** The UTC month start `n` months after the month start `iso` (ISO). */
export function addMonths(iso: string, n: number): string {
  const d = new Date(iso);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1)).toISOString();
}

/** The table each arm measures, in the scratch schema. */
export const TABLE: Record<Arm, string> = { partitioned: 'message_history', unpartitioned: 'message_history_flat' };
/** The session index of each arm (index names are per schema). */
export const SESSION_INDEX: Record<Arm, string> = { partitioned: 'idx_messages_session', unpartitioned: 'idx_messages_session_flat' };

/**
 * What each named metric is. Row counts are facts of the data (info). WAL bytes and
 * wall times of one DDL or DML statement are single observations: shown, not gated.
 */
export const METRICS = {
  copiedRows: { kind: 'info' },
  partitions: { kind: 'info' },
  sessionMessages: { kind: 'info' },
  sessionMonths: { kind: 'info' },
  retentionRows: { kind: 'info' },
  retentionSeconds: { kind: 'timing', gated: false },
  retentionWalBytes: { kind: 'size', gated: false },
  deleteSeconds: { kind: 'timing', gated: false },
  deleteWalBytes: { kind: 'size', gated: false },
  vacuumSeconds: { kind: 'timing', gated: false },
  vacuumWalBytes: { kind: 'size', gated: false },
  detachRows: { kind: 'info' },
  detachSeconds: { kind: 'timing', gated: false },
  detachWalBytes: { kind: 'size', gated: false },
  bytesBeforeRetention: { kind: 'size', gated: false },
  bytesAfterRetention: { kind: 'size' },
  aheadSeconds: { kind: 'timing', gated: false },
  aheadRows: { kind: 'info' },
  defaultRows: { kind: 'info' },
} satisfies MetricDeclarations;
export type PartitioningMetric = keyof typeof METRICS;

const setupSql = namedStatements(readSql(import.meta.url, 'setup.sql'));
const querySql = namedStatements(readSql(import.meta.url, 'queries.sql'));

/** What the copy holds: its months, the ranges measured and the session looked up. */
export interface Prepared {
  /** Start of the first copied month and of the month after the last (ISO). */
  first: string;
  end: string;
  /** Month starts of the copied months, oldest first (ISO). */
  months: string[];
  copiedRows: number;
  /** Leaf partitions of the partitioned copy (the copied months and DEFAULT). */
  partitions: number;
  session: { id: string; messages: number; months: number };
  ranges: Record<'day' | 'month', [string, string]>;
}

async function prepare(ctx: ScenarioContext, client: pg.Client, src: string, dest: string): Promise<Prepared> {
  const where = { scenario: NAME, variant: 'setup' };
  const d = quoteIdent(dest);
  const w = (await client.query<{ first: Date; end: Date }>(fill(statement(setupSql, 'window'), { src: quoteIdent(src) }), [COPY_MONTHS])).rows[0];
  const first = w.first.toISOString();
  const end = w.end.toISOString();
  const parent = qualified(dest, TABLE.partitioned);
  // Month partitions outside the copy stay empty: dropped (they are this scratch schema's own).
  const empty = await client.query<{ name: string }>(statement(setupSql, 'empty-partitions'), [parent, first, end]);
  for (const { name } of empty.rows) await client.query(`DROP TABLE ${qualified(dest, name)}`);
  ctx.log(`${NAME}: copying message_history from ${first.slice(0, 7)} to ${end.slice(0, 7)} (exclusive) into ${dest}, partitioned and not`);
  await inVariant(where, 'copy', () => client.query(fill(statement(setupSql, 'copy'), { src: quoteIdent(src), dest: d }), [first, end]), 'message_history');
  await inVariant(where, 'copy-flat', async () => {
    await client.query(fill(statement(setupSql, 'create-flat'), { dest: d }));
    await client.query(fill(statement(setupSql, 'copy-flat'), { dest: d }));
  }, 'message_history_flat');
  await inVariant(where, 'indexes', async () => {
    await client.query(fill(statement(setupSql, 'indexes-partitioned'), { table: parent }));
    await client.query(fill(statement(setupSql, 'indexes-flat'), { table: qualified(dest, TABLE.unpartitioned) }));
  });
  const leaves = (await client.query<{ name: string }>(statement(setupSql, 'leaves'), [parent])).rows;
  for (const leaf of [...leaves.map((l) => l.name), TABLE.unpartitioned]) {
    await client.query(fill(statement(setupSql, 'autovacuum-off'), { table: qualified(dest, leaf) }));
  }
  await inVariant(where, 'vacuum and prewarm', () => ctx.warm(client, dest, [TABLE.partitioned, TABLE.unpartitioned]));

  const months: string[] = [];
  for (let m = first; m < end; m = addMonths(m, 1)) months.push(m);
  const rowsIn = async (from: string, to: string) => Number((await client.query<{ n: string }>(fill(statement(setupSql, 'rows-in'), { table: parent }), [from, to])).rows[0].n);
  const copiedRows = await rowsIn(first, end);
  const s = (await client.query<{ session_id: string; messages: number; months: number }>(fill(statement(setupSql, 'busiest-session'), { table: parent }))).rows[0];
  // The measured month is the copy's newest but one (retention takes the oldest two); the
  // day is its 15th from 14:00 UTC, the diurnal peak.
  const m = months[Math.max(0, months.length - 2)];
  const day = new Date(new Date(m).getTime() + (14 * 24 + 14) * HOUR_MS).toISOString();
  const dayEnd = new Date(new Date(day).getTime() + 24 * HOUR_MS).toISOString();
  return {
    first,
    end,
    months,
    copiedRows,
    partitions: leaves.length,
    session: { id: s?.session_id ?? '00000000-0000-0000-0000-000000000000', messages: s?.messages ?? 0, months: s?.months ?? 0 },
    ranges: { day: [day, dayEnd], month: [m, addMonths(m, 1)] },
  };
}

async function measureArm(ctx: ScenarioContext, client: pg.Client, schema: string, arm: Arm, p: Prepared): Promise<{ sizes: RelationSize[]; queries: QueryResult[] }> {
  const where: MeasureWhere = { scenario: NAME, variant: arm, schema };
  const table = qualified(schema, TABLE[arm]);
  ctx.log(`${NAME}/${arm}: sizes, a day's and a month's range, one session's messages`);
  const sizes = await inVariant(where, 'sizes', () => tableSizes(client, schema, TABLE[arm], p.copiedRows));
  const queries: QueryResult[] = [];
  for (const sel of ['day', 'month'] as const) {
    queries.push(await measureQuery(client, { name: `range-${sel}`, sql: fill(statement(querySql, 'range'), { table }), params: p.ranges[sel], labels: { selectivity: sel } }, ctx.latency, where));
  }
  queries.push(await measureQuery(client, { name: 'session-messages', sql: fill(statement(querySql, 'session'), { table }), params: [p.session.id], labels: { messages: p.session.messages } }, ctx.latency, where));
  return { sizes, queries };
}

function describe(arm: Arm, p: Prepared): string {
  return arm === 'partitioned'
    ? `message_history in monthly partitions (${p.partitions - 1} months and DEFAULT), the design's indexes on each`
    : 'the same rows in one unpartitioned table, in the same time order, with the same indexes';
}

function armMetrics(arm: Arm, ret: Retention, def?: DefaultCatch): NamedMetrics<PartitioningMetric> {
  const m: NamedMetrics<PartitioningMetric> = {
    retentionRows: ret.rows,
    retentionSeconds: ret.total.seconds,
    retentionWalBytes: ret.total.walBytes,
    bytesBeforeRetention: ret.bytesBefore,
    bytesAfterRetention: ret.bytesAfter,
  };
  const put = (s: Step | undefined, seconds: PartitioningMetric, wal: PartitioningMetric) => {
    if (!s) return;
    m[seconds] = s.seconds;
    m[wal] = s.walBytes;
  };
  if (arm === 'unpartitioned') {
    put(ret.delete, 'deleteSeconds', 'deleteWalBytes');
    put(ret.vacuum, 'vacuumSeconds', 'vacuumWalBytes');
  } else {
    put(ret.detach?.step, 'detachSeconds', 'detachWalBytes');
    if (ret.detach) m.detachRows = ret.detach.rows;
  }
  if (def) {
    m.aheadSeconds = def.aheadSeconds;
    m.aheadRows = def.aheadRows;
    m.defaultRows = def.defaultRows;
  }
  return m;
}

export const partitioning: Scenario<PartitioningMetric> = {
  name: NAME,
  description: 'monthly partitions vs one table: pruned ranges, a session by session_id alone, retention (DROP / DETACH CONCURRENTLY vs DELETE + VACUUM), DEFAULT',
  hypothesis:
    'Monthly partitions let a time-bounded query scan one partition and let retention drop a month for a few kilobytes of WAL where DELETE + VACUUM logs every row and leaves the table its size; a lookup by session_id alone pays for them by probing every partition\'s index.',
  claim: 'message_history is partitioned by RANGE (created_at), one partition a month plus DEFAULT, with create_monthly_partition() making months ahead; old months are detached or dropped whole.',
  variants: VARIANTS,
  datasets: ['smallint'],
  // One scratch schema: the partitioned copy and the unpartitioned one of the last months.
  scratch: { table: 'message_history', copies: 2, months: COPY_MONTHS, style: 'smallint' },
  core: false,
  metrics: METRICS,
  async run(ctx: ScenarioContext): Promise<ScenarioOutcome<PartitioningMetric>> {
    const ds = await inVariant({ scenario: NAME, variant: 'setup' }, 'load', () => ctx.dataset('smallint'));
    const schema = await ctx.scratchSchema('part');
    const client = await ctx.target.connect();
    try {
      const p = await prepare(ctx, client, ds.schema, schema);
      const measured = { partitioned: await measureArm(ctx, client, schema, 'partitioned', p), unpartitioned: await measureArm(ctx, client, schema, 'unpartitioned', p) };
      ctx.log(`${NAME}: retention of ${p.months[0]?.slice(0, 7)}: DROP vs DELETE + VACUUM; DETACH CONCURRENTLY of ${p.months[1]?.slice(0, 7)}`);
      const retained = {
        partitioned: await inVariant({ scenario: NAME, variant: 'partitioned' }, 'retention', () => retainPartitioned(client, schema, p)),
        unpartitioned: await inVariant({ scenario: NAME, variant: 'unpartitioned' }, 'retention', () => retainUnpartitioned(client, schema, p)),
      };
      ctx.log(`${NAME}: create_monthly_partition() ahead of the writes, and writes past the created months`);
      const caught = await inVariant({ scenario: NAME, variant: 'partitioned' }, 'DEFAULT partition', () => catchInDefault(client, schema, p));
      const variants: Array<ScenarioVariant<PartitioningMetric>> = VARIANTS.map((arm) => ({
        name: arm,
        description: describe(arm, p),
        ...measured[arm],
        metrics: armMetrics(arm, retained[arm], arm === 'partitioned' ? caught : undefined),
      }));
      const { finding, notes } = describeFindings(variants, p, retained, caught);
      return {
        finding,
        notes,
        variants,
        metrics: { copiedRows: p.copiedRows, partitions: p.partitions, sessionMessages: p.session.messages, sessionMonths: p.session.months },
      };
    } finally {
      await client.end().catch(() => undefined);
      // Scratch: dropped even on failure (a failed drop is reported, not hidden).
      await ctx.dropScratch(schema).catch((err: unknown) => ctx.log(`${NAME}: could not drop scratch schema ${schema}: ${(err as Error).message}`));
    }
  },
};
