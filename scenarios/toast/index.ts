/**
 * toast: what LLM-length messages cost a read and what compression buys. (a) A session's
 * history read with `SELECT *` against only the columns a list view needs: latency and
 * the heap, TOAST and index blocks each touches. (b) `content` compressed with pglz
 * against lz4 on scratch copies of a month of messages: stored size (heap + TOAST), COPY
 * time, and the latency of the same history read. A server built without lz4 (the
 * embedded one) has its lz4 arm reported as not measurable, with the server's reason.
 */
import type pg from 'pg';
import { type RelationSize, findSize, tableSizes } from '../../bench/sizes.ts';
import { PgscaleError } from '../../core/errors.ts';
import { qualified, quoteIdent } from '../../db/quote.ts';
import type { QueryResult } from '../../reports/schema.ts';
import type { MetricDeclarations, NamedMetrics, Scenario, ScenarioContext, ScenarioOutcome, ScenarioVariant } from '../index.ts';
import { type MeasureWhere, inVariant, measureQuery } from '../measure.ts';
import { fill, namedStatements, readSql, statement } from '../sql.ts';
import { type BlocksTouched, blocksTouched, countsTracked } from './blocks.ts';
import { type ContentBytes, METHODS, type Method, contentBytes, copyMonth, defaultCompression, indexSessions, setCompression, unsupported } from './compression.ts';
import { describeFindings } from './findings.ts';

const NAME = 'toast';
export const READS = ['list-view', 'select-star'] as const;
export type Read = (typeof READS)[number];
/** The long histories read: the longest session of the copied month, and one at its 90th percentile. */
export const HISTORIES = ['longest', 'p90'] as const;
export type History = (typeof HISTORIES)[number];

/**
 * What each named metric is. Blocks touched depend on where a parallel load put each
 * session's rows, so they are shown, not judged; sizes of a copy loaded by one COPY are
 * the same on every run of the same data and gated.
 */
export const METRICS = {
  // (a) per read, for the longest history.
  heapBlocks: { kind: 'count', gated: false },
  toastBlocks: { kind: 'count', gated: false },
  indexBlocks: { kind: 'count', gated: false },
  historyRows: { kind: 'info' },
  // (b) per compression arm: 1 measured, 0 when the server cannot compress with it.
  measured: { kind: 'info', gated: false },
  heapBytes: { kind: 'size' },
  toastBytes: { kind: 'size' },
  /** Heap + TOAST of the copy: what the table holds, indexes aside. */
  storedBytes: { kind: 'size' },
  /** sum(pg_column_size(content)): content as stored. */
  contentStoredBytes: { kind: 'size' },
  /** sum(octet_length(content)): the same for every arm, a fact of the data. */
  contentRawBytes: { kind: 'info' },
  compressedValues: { kind: 'count' },
  copySeconds: { kind: 'timing' },
  // Scenario-wide.
  copiedRows: { kind: 'info' },
  longestHistoryMessages: { kind: 'info' },
  p90HistoryMessages: { kind: 'info' },
  lz4Measured: { kind: 'info', gated: false },
  /** lz4's heap + TOAST ÷ pglz's: derived from two gated sizes. */
  lz4StoredRatio: { kind: 'info', unit: 'x', direction: 'smaller', gated: false },
} satisfies MetricDeclarations;
export type ToastMetric = keyof typeof METRICS;

const setupSql = namedStatements(readSql(import.meta.url, 'setup.sql'));
const readSqlByName = namedStatements(readSql(import.meta.url, 'queries.sql'));

/** A session chosen for its long history. */
export interface LongHistory {
  kind: History;
  sessionId: string;
  /** Its messages in the copied month. */
  messages: number;
}

/** What one read variant measured, for the finding. */
export interface ReadMeasure {
  read: Read;
  variant: ScenarioVariant<ToastMetric>;
  /** Blocks the longest history touched, when the server counts them (track_counts). */
  blocks?: BlocksTouched;
}

/** What one compression arm measured, or why it could not. */
export interface ArmMeasure {
  method: Method;
  variant: ScenarioVariant<ToastMetric>;
  unsupported?: string;
  content?: ContentBytes;
  sizes?: RelationSize[];
  copySeconds?: number;
}

function historySpecs(table: string, read: Read, histories: LongHistory[]) {
  const sql = fill(statement(readSqlByName, read), { table });
  return histories.map((h) => ({ name: `${read}-${h.kind}`, sql, params: [h.sessionId], labels: { history: h.kind, messages: h.messages } }));
}

async function runRead(ctx: ScenarioContext, client: pg.Client, schema: string, read: Read, histories: LongHistory[], sizes: RelationSize[], tracked: boolean): Promise<ReadMeasure> {
  const where: MeasureWhere = { scenario: NAME, variant: read, schema };
  const specs = historySpecs(qualified(schema, 'message_history'), read, histories);
  const queries: QueryResult[] = [];
  for (const spec of specs) {
    ctx.log(`${NAME}/${read}: timing ${spec.name} (${spec.labels.messages} messages)`);
    queries.push(await measureQuery(client, spec, ctx.latency, where));
  }
  const longest = specs.find((s) => s.labels.history === 'longest') ?? specs[0];
  const blocks = tracked ? await inVariant(where, 'blocks touched', () => blocksTouched(client, schema, longest.sql, longest.params), 'message_history') : undefined;
  const metrics: NamedMetrics<ToastMetric> = blocks ? { heapBlocks: blocks.heap, toastBlocks: blocks.toast, indexBlocks: blocks.index, historyRows: blocks.rows } : {};
  const description = read === 'list-view' ? 'a session\'s history, only the columns a list view needs (no content)' : 'a session\'s history with SELECT * (content included)';
  return { read, blocks, variant: { name: read, description: `${description}, on the data set`, sizes, queries, metrics } };
}

async function runArm(ctx: ScenarioContext, c: { source: pg.Client; client: pg.Client }, method: Method, src: string, window: { from: string; to: string }, histories: LongHistory[], scratch: (suffix: string) => Promise<string>): Promise<ArmMeasure> {
  const where = { scenario: NAME, variant: method };
  const schema = await inVariant(where, 'scratch copy', () => scratch(`toast_${method}`));
  const reason = await inVariant(where, `does the server support ${method}`, () => unsupported(c.client, schema, method));
  if (reason) {
    ctx.log(`${NAME}/${method}: not measurable on this server: ${reason}`);
    return { method, unsupported: reason, variant: { name: method, description: `content COMPRESSION ${method}: not measurable on this server: ${reason}`, sizes: [], queries: [], metrics: { measured: 0 } } };
  }
  await inVariant(where, `SET COMPRESSION ${method}`, () => setCompression(c.client, schema, method), 'message_history');
  ctx.log(`${NAME}/${method}: COPY of the month's messages into ${schema}`);
  const copySeconds = await inVariant(where, 'COPY', () => copyMonth(c.source, c.client, src, schema, window), 'message_history');
  const content = await inVariant(where, 'content bytes', () => contentBytes(c.client, schema, method), 'message_history');
  await inVariant(where, 'session index', () => indexSessions(c.client, schema), 'message_history');
  await inVariant(where, 'vacuum and prewarm', () => ctx.warm(c.client, schema, ['message_history']));
  const sizes = await inVariant(where, 'sizes', () => tableSizes(c.client, schema, 'message_history', content.rows));
  const queries: QueryResult[] = [];
  for (const spec of historySpecs(qualified(schema, 'message_history'), 'select-star', histories)) {
    ctx.log(`${NAME}/${method}: timing ${spec.name}`);
    queries.push(await measureQuery(c.client, spec, ctx.latency, { ...where, schema }));
  }
  const heap = findSize(sizes, 'message_history', 'table')?.bytes ?? 0;
  const toast = findSize(sizes, 'message_history', 'toast')?.bytes ?? 0;
  const metrics: NamedMetrics<ToastMetric> = {
    measured: 1,
    heapBytes: heap,
    toastBytes: toast,
    storedBytes: heap + toast,
    contentStoredBytes: content.storedBytes,
    contentRawBytes: content.rawBytes,
    compressedValues: content.compressed,
    copySeconds,
  };
  return { method, content, sizes, copySeconds, variant: { name: method, description: `a month of messages copied with content COMPRESSION ${method}`, sizes, queries, metrics } };
}

export const toast: Scenario<ToastMetric> = {
  name: NAME,
  description: 'a session\'s history: SELECT * vs the list view\'s columns (latency, heap and TOAST blocks); content compressed with pglz vs lz4 (size, COPY time, read latency)',
  hypothesis:
    'With LLM-length messages a session\'s history read with SELECT * fetches TOAST blocks for its long messages while a list view that leaves out content touches none and is faster; lz4 loads faster than pglz and reads as fast or faster, for slightly larger storage.',
  claim: 'message_history keeps every message\'s content inline in one TEXT column (docs/design.md, "Message content"): how much of a history read, and of the table, that is.',
  variants: [...READS, ...METHODS],
  datasets: ['smallint'],
  // A month of message_history per compression arm.
  scratch: { table: 'message_history', copies: 2, months: 1, style: 'smallint' },
  core: false,
  metrics: METRICS,
  async run(ctx: ScenarioContext): Promise<ScenarioOutcome<ToastMetric>> {
    const ds = await inVariant({ scenario: NAME, variant: 'setup' }, 'load', () => ctx.dataset('smallint'));
    const made: string[] = [];
    const scratch = async (suffix: string) => {
      const s = await ctx.scratchSchema(suffix);
      made.push(s);
      return s;
    };
    const client = await ctx.target.connect();
    const source = await ctx.target.connect();
    try {
      const src = quoteIdent(ds.schema);
      const w = (await client.query<{ from_ts: Date; to_ts: Date }>(fill(statement(setupSql, 'window'), { src }))).rows[0];
      const window = { from: w.from_ts.toISOString(), to: w.to_ts.toISOString() };
      const histories = (await client.query<{ kind: History; session_id: string; messages: number }>(fill(statement(setupSql, 'long-histories'), { src }), [window.from, window.to])).rows.map(
        (r): LongHistory => ({ kind: r.kind, sessionId: r.session_id, messages: r.messages }),
      );
      if (histories.length === 0) throw new PgscaleError('USAGE', `toast: no messages between ${window.from} and ${window.to} in ${ds.schema}, so no history to read`, { hint: 'Run it on a larger --scale.' });
      await inVariant({ scenario: NAME, variant: 'setup' }, 'vacuum and prewarm', () => ctx.warm(client, ds.schema, ['message_history']));
      const dsSizes = await tableSizes(client, ds.schema, 'message_history', ds.summary.rows.message_history);
      const tracked = await countsTracked(client);
      const reads: ReadMeasure[] = [];
      for (const read of READS) reads.push(await runRead(ctx, client, ds.schema, read, histories, dsSizes, tracked));
      const arms: ArmMeasure[] = [];
      for (const method of METHODS) arms.push(await runArm(ctx, { source, client }, method, ds.schema, window, histories, scratch));
      const { finding, notes, metrics } = describeFindings({ reads, arms, histories, tracked, window, setting: await defaultCompression(client) });
      return { finding, notes, variants: [...reads.map((r) => r.variant), ...arms.map((a) => a.variant)], metrics };
    } finally {
      await client.end().catch(() => undefined);
      await source.end().catch(() => undefined);
      // The copies are scratch: dropped even on failure (a failed drop is reported, not hidden).
      for (const s of made) {
        await ctx.dropScratch(s).catch((err: unknown) => ctx.log(`${NAME}: could not drop scratch schema ${s}: ${(err as Error).message}`));
      }
    }
  },
};
