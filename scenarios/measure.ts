/**
 * One measured query as the results record it: latency (tinybench, warmed up), then the
 * plan of the same query under the same settings (EXPLAIN ANALYZE, BUFFERS, on a warm
 * cache), and the labels that say what was measured. Failures gain the scenario,
 * variant and query they came from. And how two measured queries compare, in the words
 * findings use.
 */
import type pg from 'pg';
import { explain } from '../bench/explain.ts';
import { type LatencyOptions, type LatencyResult, measureLatency, resolveLatencyOptions } from '../bench/latency.ts';
import { statementTimeoutGuard } from '../bench/timeout.ts';
import { toPgscaleError } from '../db/errors.ts';
import { quoteIdent } from '../db/quote.ts';
import { formatMs } from '../reports/format.ts';
import type { QueryResult } from '../reports/schema.ts';

export type Labels = Record<string, string | number | boolean>;

export interface QuerySpec {
  /** Stable name (reports and the regression gate key on name + params). */
  name: string;
  sql: string;
  params?: unknown[];
  /** What this measurement is: selectivity, sessions, delayMs … */
  labels?: Labels;
  /** Planner settings for this query only (SET before, RESET after), e.g. { enable_seqscan: 'off' }. */
  settings?: Record<string, string>;
}

/** Apply settings for the span of fn, resetting them afterwards (even on failure). */
export async function withSettings<T>(client: pg.Client, settings: Record<string, string> | undefined, fn: () => Promise<T>): Promise<T> {
  const entries = Object.entries(settings ?? {});
  for (const [name, value] of entries) await client.query('SELECT set_config($1, $2, false)', [name, value]);
  try {
    return await fn();
  } finally {
    for (const [name] of entries) await client.query(`RESET ${quoteIdent(name)}`);
  }
}

/** A latency result (plus optional plan and wire counts) as a results-document QueryResult. */
export function toQueryResult(name: string, latency: LatencyResult, extra: Partial<QueryResult> = {}): QueryResult {
  return {
    name,
    latencyMs: latency.latencyMs,
    rme: latency.rme,
    samples: latency.samples,
    samplesMs: latency.samplesMs,
    opsPerSecond: latency.opsPerSecond,
    state: latency.state,
    underSampled: latency.underSampled.length > 0 ? latency.underSampled : undefined,
    ...extra,
  };
}

/** Where a failure happened, for the error message. */
export interface MeasureWhere {
  scenario: string;
  variant: string;
  /** Resolve partitions and parent indexes of the plan in this schema. */
  schema?: string;
}

/** Error raised inside a variant: keeps the server's SQLSTATE and names the variant. */
export class VariantError extends Error {
  readonly variant: string;
  readonly sqlstate?: string;
  readonly table?: string;
  override readonly cause?: unknown;
  constructor(message: string, opts: { variant: string; sqlstate?: string; table?: string; cause?: unknown }) {
    super(message);
    this.name = 'VariantError';
    this.variant = opts.variant;
    this.sqlstate = opts.sqlstate;
    this.table = opts.table;
    this.cause = opts.cause;
  }
}

/** Run a variant's step, turning any failure into a VariantError naming it. */
export async function inVariant<T>(where: Pick<MeasureWhere, 'scenario' | 'variant'>, step: string, fn: () => Promise<T>, table?: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof VariantError) throw err;
    const e = toPgscaleError(err, { context: `${where.scenario}/${where.variant}: ${step}` });
    const pgTable = (err as { table?: string }).table;
    throw new VariantError(e.message, { variant: where.variant, sqlstate: e.sqlstate, table: pgTable ?? table, cause: err });
  }
}

/**
 * Measure one query: latency, then its plan, under the spec's settings. The probe and
 * EXPLAIN ANALYZE each run under statement_timeout = the hard cap, so one slow execution
 * is cut off: a timed-out probe is recorded (state `timed-out`) and its plan is a plain
 * EXPLAIN, as is the plan of an EXPLAIN ANALYZE that timed out (`analyzed: false`, `cappedAtMs`).
 */
export async function measureQuery(client: pg.Client, spec: QuerySpec, latency: LatencyOptions, where: MeasureWhere): Promise<QueryResult> {
  const capMs = resolveLatencyOptions(latency).hardCapMs;
  return inVariant(where, `query ${spec.name}`, () =>
    withSettings(client, spec.settings, async () => {
      const l = await measureLatency(spec.name, () => client.query(spec.sql, spec.params), latency, statementTimeoutGuard(client));
      // After a timed-out probe EXPLAIN ANALYZE would only run into the same cap: estimates only.
      const timedOut = l.state === 'timed-out';
      const { plan, summary } = await explain(client, spec.sql, spec.params, { schema: where.schema, analyze: !timedOut, capMs });
      return toQueryResult(spec.name, l, { params: spec.labels, plan, planSummary: timedOut ? { ...summary, cappedAtMs: capMs } : summary });
    }),
  );
}

/**
 * "a is faster/slower than b" only when the 95 % intervals of the means (mean ± rme) do
 * not overlap; otherwise "no clear difference" with both intervals.
 */
export function compareLatency(a: QueryResult | undefined, b: QueryResult | undefined): string {
  if (!a || !b) return 'not measured';
  const span = (q: QueryResult) => {
    const half = (q.latencyMs.mean * (q.rme ?? 100)) / 100;
    return [q.latencyMs.mean - half, q.latencyMs.mean + half] as const;
  };
  const [al, ah] = span(a);
  const [bl, bh] = span(b);
  const both = `${formatMs(a.latencyMs.p50)} vs ${formatMs(b.latencyMs.p50)} p50`;
  if (ah < bl) return `faster (${both})`;
  if (bh < al) return `slower (${both})`;
  return `no clear difference (${both}; means ${formatMs(a.latencyMs.mean)} ± ${(a.rme ?? 0).toFixed(0)} % vs ${formatMs(b.latencyMs.mean)} ± ${(b.rme ?? 0).toFixed(0)} %)`;
}
