/**
 * partial-index: the design's three partial indexes (idx_messages_unread,
 * idx_tasks_status, idx_approvals_pending) against the same indexes without their WHERE,
 * each arm on a scratch copy of its own. Per arm: each index's size and build time, the
 * latency and plan of the query it serves (predicate as a constant, and as a parameter
 * under a generic plan), and the cost of a burst of writes that move rows in and out of
 * the predicates (traffic engine: per-transaction latency, index growth, WAL).
 */
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { type ExplainJson, summarizePlan } from '../../bench/explain.ts';
import { measureLatency } from '../../bench/latency.ts';
import { statementTimeoutGuard } from '../../bench/timeout.ts';
import { trafficConnection } from '../../bench/traffic/dataset-run.ts';
import { runTraffic } from '../../bench/traffic/engine.ts';
import { type RelationSize, indexSize, tableSizes } from '../../bench/sizes.ts';
import { quoteIdent } from '../../db/quote.ts';
import { code } from '../../generators/enums.ts';
import type { QueryResult, Traffic } from '../../reports/schema.ts';
import type { MetricDeclarations, NamedMetrics, Scenario, ScenarioContext, ScenarioOutcome, ScenarioVariant } from '../index.ts';
import { type MeasureWhere, inVariant, measureQuery, toQueryResult, withSettings } from '../measure.ts';
import { fill, namedStatements, readSql, statement } from '../sql.ts';
import { describeFindings } from './findings.ts';
import { KEY_VARS } from './writes.ts';

const NAME = 'partial-index';
export const ARMS = ['partial', 'full'] as const;
export type Arm = (typeof ARMS)[number];
/** The three indexes, by the short name their metrics and statements use. */
export const TARGETS = ['unread', 'tasks', 'approvals'] as const;
export type Target = (typeof TARGETS)[number];
export const INDEX: Record<Target, { name: string; table: string }> = {
  unread: { name: 'idx_messages_unread', table: 'message_history' },
  tasks: { name: 'idx_tasks_status', table: 'auto_tasks' },
  approvals: { name: 'idx_approvals_pending', table: 'task_approvals' },
};
const WRITES = fileURLToPath(new URL('./writes.ts', import.meta.url));
/** The burst's offered rate (transactions/s, uniform arrivals): the same work for both arms, well below what either can do. */
const BURST_RATE = 200;

const latency = { kind: 'latency', gated: false } as const;
export const METRICS = {
  unreadBytes: { kind: 'size' },
  tasksBytes: { kind: 'size' },
  approvalsBytes: { kind: 'size' },
  unreadBuildSeconds: { kind: 'timing' },
  tasksBuildSeconds: { kind: 'timing' },
  approvalsBuildSeconds: { kind: 'timing' },
  // Growth over the burst: page-granular, and the burst's exact rows depend on timing.
  unreadGrowthBytes: { kind: 'size', gated: false },
  tasksGrowthBytes: { kind: 'size', gated: false },
  approvalsGrowthBytes: { kind: 'size', gated: false },
  burstWalBytes: { kind: 'size' },
  burstTransactions: { kind: 'info' },
  burstErrors: { kind: 'count' },
  // p50 of each burst transaction (ms): an open-loop run on a shared machine, so shown, not judged.
  insertMessageP50Ms: latency,
  markReadP50Ms: latency,
  insertTaskP50Ms: latency,
  completeTaskP50Ms: latency,
  decideApprovalP50Ms: latency,
  // 1 when a generic plan (predicate as a parameter) uses the arm's index, else 0.
  unreadGenericUsesIndex: { kind: 'info' },
  tasksGenericUsesIndex: { kind: 'info' },
  approvalsGenericUsesIndex: { kind: 'info' },
  // Facts of the data: the share of each table inside the predicate, in percent.
  unreadSharePct: { kind: 'info', unit: '%' },
  openTaskSharePct: { kind: 'info', unit: '%' },
  pendingApprovalSharePct: { kind: 'info', unit: '%' },
  copiedMessages: { kind: 'info' },
} satisfies MetricDeclarations;
export type PartialIndexMetric = keyof typeof METRICS;

const BURST_METRIC: Record<string, PartialIndexMetric> = {
  'insert-message': 'insertMessageP50Ms',
  'mark-read': 'markReadP50Ms',
  'insert-task': 'insertTaskP50Ms',
  'complete-task': 'completeTaskP50Ms',
  'decide-approval': 'decideApprovalP50Ms',
};

const CODES = {
  task_completed: String(code('task_status', 'completed')),
  task_ready: String(code('task_status', 'ready')),
  approval_pending: String(code('approval_status', 'pending')),
};
const setupSql = namedStatements(readSql(import.meta.url, 'setup.sql'));
const indexSql = namedStatements(readSql(import.meta.url, 'indexes.sql'));
const querySql = namedStatements(readSql(import.meta.url, 'queries.sql'));

/** What setup found in the copy: shares inside each predicate and the burst's key counts. */
export interface Copy {
  messages: number;
  unread: number;
  tasks: number;
  openTasks: number;
  approvals: number;
  pending: number;
  busiestUser: string;
}

/** One arm's results, with the burst's traffic record kept for the notes. */
export interface ArmMeasure {
  variant: ScenarioVariant<PartialIndexMetric>;
  burst: Traffic;
}

async function copyInto(ctx: ScenarioContext, client: pg.Client, src: string, dest: string, where: MeasureWhere): Promise<Copy> {
  const f = { src: quoteIdent(src), dest: quoteIdent(dest), ...CODES };
  for (const step of ['copy-messages', 'drop-empty-partitions', 'copy-tasks', 'copy-approvals', 'primary-keys', 'keys']) {
    await inVariant(where, step, () => client.query(fill(statement(setupSql, step), f)));
  }
  const s = (await client.query<Record<string, string>>(fill(statement(setupSql, 'shares'), f))).rows[0];
  const user = (await client.query<{ user_id: string }>(fill(statement(setupSql, 'busiest-unread-user'), f))).rows[0]?.user_id;
  return { messages: Number(s.messages), unread: Number(s.unread), tasks: Number(s.tasks), openTasks: Number(s.open_tasks), approvals: Number(s.approvals), pending: Number(s.pending), busiestUser: user ?? '00000000-0000-0000-0000-000000000000' };
}

/** The leaf indexes of `index` (itself, or its partitions' indexes when it is partitioned). */
async function leafIndexes(client: pg.Client, schema: string, index: string): Promise<string[]> {
  const r = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_partition_tree(format('%I.%I', $1::text, $2::text)::regclass) t JOIN pg_class c ON c.oid = t.relid`,
    [schema, index],
  );
  return r.rows.map((x) => x.name);
}

/**
 * The query with its predicate as a parameter, as a prepared statement reused often enough
 * runs it: a generic plan (EXPLAIN (GENERIC_PLAN), PostgreSQL 16+, for the plan;
 * plan_cache_mode = force_generic_plan for the timing). Its plan does not run.
 */
async function measureGeneric(ctx: ScenarioContext, client: pg.Client, schema: string, target: Target, params: unknown[], where: MeasureWhere): Promise<{ query: QueryResult; usesIndex: boolean }> {
  const sql = statement(querySql, `${target}-param`);
  const name = `${target}-generic`;
  return inVariant(where, `query ${name}`, async () => {
    const l = await withSettings(client, { plan_cache_mode: 'force_generic_plan' }, () => measureLatency(name, () => client.query(sql, params), ctx.latency, statementTimeoutGuard(client)));
    const plan = (await client.query<{ 'QUERY PLAN': ExplainJson[] }>(`EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${sql}`)).rows[0]['QUERY PLAN'][0];
    const summary = { ...summarizePlan(plan), analyzed: false };
    const leaves = await leafIndexes(client, schema, INDEX[target].name);
    const usesIndex = summary.indexes.some((i) => leaves.includes(i));
    return { query: toQueryResult(name, l, { params: { predicate: 'parameter', plan: 'generic' }, plan, planSummary: summary }), usesIndex };
  });
}

async function runArm(ctx: ScenarioContext, arm: Arm, src: string): Promise<{ measure: ArmMeasure; copy: Copy }> {
  const schema = await ctx.scratchSchema(`pi_${arm}`);
  const where: MeasureWhere = { scenario: NAME, variant: arm, schema };
  const client = await ctx.target.connect();
  try {
    ctx.log(`${NAME}/${arm}: copying the last two months of messages, the tasks and the approvals into ${schema}`);
    const copy = await copyInto(ctx, client, src, schema, where);
    await inVariant(where, 'vacuum', () => ctx.warm(client, schema, ['message_history', 'auto_tasks', 'task_approvals']));
    const metrics: NamedMetrics<PartialIndexMetric> = {};
    for (const t of TARGETS) {
      const ddl = fill(statement(indexSql, `${arm}-${t}`), { dest: quoteIdent(schema), ...CODES });
      const t0 = performance.now();
      await inVariant(where, `build ${INDEX[t].name}`, () => client.query(ddl), INDEX[t].table);
      metrics[`${t}BuildSeconds`] = (performance.now() - t0) / 1000;
    }
    // Statistics and a warm cache for the new indexes.
    await inVariant(where, 'vacuum and prewarm', () => ctx.warm(client, schema, ['message_history', 'auto_tasks', 'task_approvals']));
    const sizes: RelationSize[] = [];
    for (const [table, rows] of [['message_history', copy.messages], ['auto_tasks', copy.tasks], ['task_approvals', copy.approvals]] as const) {
      sizes.push(...(await inVariant(where, `sizes of ${table}`, () => tableSizes(client, schema, table, rows))));
    }
    const before: Partial<Record<Target, number>> = {};
    for (const t of TARGETS) before[t] = metrics[`${t}Bytes`] = await indexSize(client, schema, INDEX[t].name);

    ctx.log(`${NAME}/${arm}: timing the query each index serves, with its predicate as a constant and as a parameter`);
    await client.query(`SET search_path = ${quoteIdent(schema)}, public`);
    const queries: QueryResult[] = [];
    const paramsOf: Record<Target, { literal: unknown[]; param: unknown[] }> = {
      unread: { literal: [copy.busiestUser], param: [copy.busiestUser, false] },
      tasks: { literal: [], param: [Number(CODES.task_ready)] },
      approvals: { literal: [], param: [Number(CODES.approval_pending)] },
    };
    for (const t of TARGETS) {
      const sql = fill(statement(querySql, `${t}-literal`), CODES);
      queries.push(await measureQuery(client, { name: t, sql, params: paramsOf[t].literal, labels: { predicate: 'constant' } }, ctx.latency, where));
      const g = await measureGeneric(ctx, client, schema, t, paramsOf[t].param, where);
      queries.push(g.query);
      metrics[`${t}GenericUsesIndex`] = g.usesIndex ? 1 : 0;
    }
    await client.query('RESET search_path');

    const burst = await burstOn(ctx, client, schema, copy, where);
    metrics.burstWalBytes = burst.walBytes;
    metrics.burstTransactions = burst.traffic.transactions;
    metrics.burstErrors = burst.traffic.errors;
    for (const tx of burst.traffic.perTransaction) {
      const m = BURST_METRIC[tx.name];
      if (m && tx.transactions > 0) metrics[m] = tx.latencyMs.p50;
    }
    for (const t of TARGETS) metrics[`${t}GrowthBytes`] = (await indexSize(client, schema, INDEX[t].name)) - before[t]!;
    return { measure: { variant: { name: arm, description: describe(arm), sizes, queries, metrics }, burst: burst.traffic }, copy };
  } finally {
    await client.end().catch(() => undefined);
    // Scratch: dropped even on failure (a failed drop is reported, not hidden).
    await ctx.dropScratch(schema).catch((err: unknown) => ctx.log(`${NAME}: could not drop scratch schema ${schema}: ${(err as Error).message}`));
  }
}

/** The same write burst on each arm: open loop at a fixed rate, so both do the same work; WAL from the LSN difference. */
async function burstOn(ctx: ScenarioContext, client: pg.Client, schema: string, copy: Copy, where: MeasureWhere): Promise<{ traffic: Traffic; walBytes: number }> {
  const durationSeconds = Math.max(2, 2 * ctx.traffic.stepSeconds);
  ctx.log(`${NAME}/${where.variant}: a burst of inserts and predicate-moving updates at ${BURST_RATE} tx/s for ${durationSeconds} s`);
  const lsn = async () => (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
  const from = await lsn();
  const run = await inVariant(where, 'write burst', () =>
    runTraffic({
      connection: trafficConnection(ctx.target, schema),
      workload: { kind: 'module', name: 'partial-index writes', path: WRITES },
      params: {
        schema,
        scale: ctx.data.scale,
        seed: ctx.data.seed,
        months: ctx.data.months,
        enums: 'smallint',
        vars: { [KEY_VARS.unread]: String(copy.unread), [KEY_VARS.openTasks]: String(copy.openTasks), [KEY_VARS.pending]: String(copy.pending) },
        clockStartMs: 0,
      },
      clients: 4,
      threads: 1,
      rate: BURST_RATE,
      arrivals: 'uniform',
      durationSeconds,
      warmupSeconds: 0,
      seed: ctx.data.seed,
    }),
  );
  if (run.fatal) throw new Error(`${NAME}/${where.variant}: the write burst failed: ${run.fatal.message}`);
  const walBytes = Number((await client.query<{ n: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS n', [from])).rows[0].n);
  return { traffic: run.traffic, walBytes };
}

function describe(arm: Arm): string {
  return arm === 'partial'
    ? 'the design\'s partial indexes: idx_messages_unread WHERE is_read = false, idx_tasks_status WHERE status < completed, idx_approvals_pending WHERE status = pending'
    : 'the same three indexes without their WHERE: every row indexed';
}

export const partialIndex: Scenario<PartialIndexMetric> = {
  name: NAME,
  description: 'partial indexes (unread messages, open tasks, pending approvals) vs the same without WHERE: size, build, query latency, write cost, generic plans',
  hypothesis: 'A partial index over the few rows a hot query wants is a small fraction of the full index and at least as fast for that query; writes that move rows out of the predicate cost it nothing to index, while the full index takes a new entry. A generic plan whose predicate is a parameter cannot use it.',
  claim: 'Partial indexes keep only the rows a hot query wants, so they stay small while the table grows (docs/design.md, "Indexes": idx_messages_unread, idx_tasks_status, idx_approvals_pending).',
  variants: ARMS,
  datasets: ['smallint'],
  // One copy per arm, one at a time: the last two months of message_history (plus the small task tables).
  scratch: { table: 'message_history', copies: 1, months: 2, style: 'smallint' },
  core: false,
  metrics: METRICS,
  async run(ctx: ScenarioContext): Promise<ScenarioOutcome<PartialIndexMetric>> {
    const ds = await inVariant({ scenario: NAME, variant: 'setup' }, 'load', () => ctx.dataset('smallint'));
    const arms: ArmMeasure[] = [];
    let copy: Copy | undefined;
    for (const arm of ARMS) {
      const r = await runArm(ctx, arm, ds.schema);
      arms.push(r.measure);
      copy = r.copy;
    }
    const { finding, notes } = describeFindings(arms, copy!);
    const pct = (a: number, b: number) => (b > 0 ? (100 * a) / b : 0);
    return {
      finding,
      notes,
      variants: arms.map((a) => a.variant),
      metrics: {
        unreadSharePct: pct(copy!.unread, copy!.messages),
        openTaskSharePct: pct(copy!.openTasks, copy!.tasks),
        pendingApprovalSharePct: pct(copy!.pending, copy!.approvals),
        copiedMessages: copy!.messages,
      },
    };
  },
};
