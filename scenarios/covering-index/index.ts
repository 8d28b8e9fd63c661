/**
 * covering-index: idx_sessions_covering (INCLUDE title, message_count, last_activity_at)
 * against the plain idx_sessions_user for "a user's recent sessions", each arm on a
 * scratch copy of user_sessions. Per arm: index size and build time; the query's latency,
 * plan, index-only scan and heap fetches straight after VACUUM, and again after a burst
 * of session updates (traffic engine) has cleared all-visible bits.
 */
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { ExplainJson } from '../../bench/explain.ts';
import { trafficConnection } from '../../bench/traffic/dataset-run.ts';
import { runTraffic } from '../../bench/traffic/engine.ts';
import { type RelationSize, indexSize, tableSizes } from '../../bench/sizes.ts';
import { quoteIdent } from '../../db/quote.ts';
import { formatBytes, formatMs } from '../../reports/format.ts';
import type { QueryResult } from '../../reports/schema.ts';
import type { MetricDeclarations, NamedMetrics, Scenario, ScenarioContext, ScenarioOutcome, ScenarioVariant } from '../index.ts';
import { type MeasureWhere, compareLatency, inVariant, measureQuery } from '../measure.ts';
import { fill, namedStatements, readSql, statement } from '../sql.ts';

const NAME = 'covering-index';
export const ARMS = ['plain', 'covering'] as const;
export type Arm = (typeof ARMS)[number];
const INDEX: Record<Arm, string> = { plain: 'idx_sessions_user', covering: 'idx_sessions_covering' };
const WRITES = fileURLToPath(new URL('./writes.ts', import.meta.url));
/** Updates per second for the burst (uniform): the same work for both arms. */
const BURST_RATE = 50;

export const METRICS = {
  indexBytes: { kind: 'size' },
  buildSeconds: { kind: 'timing' },
  // Facts of the plan: 1 when the query ran as an index-only scan; the heap rows it still fetched.
  indexOnlyAfterVacuum: { kind: 'info' },
  heapFetchesAfterVacuum: { kind: 'count' },
  heapFetchesAfterUpdates: { kind: 'count', gated: false },
  updatesApplied: { kind: 'info' },
  busiestUserSessions: { kind: 'info' },
} satisfies MetricDeclarations;
export type CoveringIndexMetric = keyof typeof METRICS;

const setupSql = namedStatements(readSql(import.meta.url, 'setup.sql'));
const indexSql = namedStatements(readSql(import.meta.url, 'indexes.sql'));
const querySql = namedStatements(readSql(import.meta.url, 'queries.sql'));

/** Node types and the heap fetches of every index-only scan in a plan. */
export function indexOnlyFacts(plan: unknown): { indexOnly: boolean; heapFetches: number } {
  let indexOnly = false;
  let heapFetches = 0;
  const walk = (n: Record<string, unknown>) => {
    if (n['Node Type'] === 'Index Only Scan') {
      indexOnly = true;
      heapFetches += Number(n['Heap Fetches'] ?? 0);
    }
    for (const c of (n.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(c);
  };
  walk((plan as ExplainJson).Plan as unknown as Record<string, unknown>);
  return { indexOnly, heapFetches };
}

async function runArm(ctx: ScenarioContext, arm: Arm, src: string): Promise<{ variant: ScenarioVariant<CoveringIndexMetric>; user: { id: string; sessions: number } }> {
  const schema = await ctx.scratchSchema(`ci_${arm}`);
  const where: MeasureWhere = { scenario: NAME, variant: arm, schema };
  const f = { src: quoteIdent(src), dest: quoteIdent(schema) };
  const client = await ctx.target.connect();
  try {
    ctx.log(`${NAME}/${arm}: copying user_sessions into ${schema} and building ${INDEX[arm]}`);
    await inVariant(where, 'copy', () => client.query(fill(statement(setupSql, 'copy-sessions'), f)), 'user_sessions');
    const u = (await client.query<{ user_id: string; sessions: number }>(fill(statement(setupSql, 'busiest-user'), f))).rows[0];
    await inVariant(where, 'keys', () => client.query(fill(statement(setupSql, 'keys'), f), [u.user_id]));
    const metrics: NamedMetrics<CoveringIndexMetric> = { busiestUserSessions: u.sessions };
    const t0 = performance.now();
    await inVariant(where, `build ${INDEX[arm]}`, () => client.query(fill(statement(indexSql, arm), f)), 'user_sessions');
    metrics.buildSeconds = (performance.now() - t0) / 1000;
    // VACUUM sets every page all-visible: the index-only scan's best case.
    await inVariant(where, 'vacuum and prewarm', () => ctx.warm(client, schema, ['user_sessions']));
    const sizes: RelationSize[] = await inVariant(where, 'sizes', () => tableSizes(client, schema, 'user_sessions'));
    metrics.indexBytes = await indexSize(client, schema, INDEX[arm]);

    await client.query(`SET search_path = ${quoteIdent(schema)}, public`);
    const queries: QueryResult[] = [];
    const measure = async (stage: 'after-vacuum' | 'after-updates') => {
      for (const q of ['recent-sessions', 'recent-sessions-with-id'] as const) {
        const name = stage === 'after-vacuum' ? q : `${q}-after-updates`;
        queries.push(await measureQuery(client, { name, sql: statement(querySql, q), params: [u.user_id], labels: { stage, sessions: u.sessions } }, ctx.latency, where));
      }
      return indexOnlyFacts(queries.at(-2)!.plan);
    };
    const fresh = await measure('after-vacuum');
    metrics.indexOnlyAfterVacuum = fresh.indexOnly ? 1 : 0;
    metrics.heapFetchesAfterVacuum = fresh.heapFetches;
    await client.query('RESET search_path');

    metrics.updatesApplied = await burst(ctx, schema, where);
    await client.query(`SET search_path = ${quoteIdent(schema)}, public`);
    metrics.heapFetchesAfterUpdates = (await measure('after-updates')).heapFetches;
    await client.query('RESET search_path');
    return { variant: { name: arm, description: arm === 'plain' ? 'idx_sessions_user (user_id, created_at DESC)' : 'idx_sessions_covering (user_id, created_at DESC) INCLUDE (title, message_count, last_activity_at)', sizes, queries, metrics }, user: { id: u.user_id, sessions: u.sessions } };
  } finally {
    await client.end().catch(() => undefined);
    await ctx.dropScratch(schema).catch((err: unknown) => ctx.log(`${NAME}: could not drop scratch schema ${schema}: ${(err as Error).message}`));
  }
}

/** The user keeps chatting: their recent sessions' counters bumped at a fixed rate (traffic engine). Returns the updates done. */
async function burst(ctx: ScenarioContext, schema: string, where: MeasureWhere): Promise<number> {
  const durationSeconds = Math.max(1, ctx.traffic.stepSeconds);
  ctx.log(`${NAME}/${where.variant}: bumping the user's sessions at ${BURST_RATE} tx/s for ${durationSeconds} s`);
  const run = await inVariant(where, 'update burst', () =>
    runTraffic({
      connection: trafficConnection(ctx.target, schema),
      workload: { kind: 'module', name: 'covering-index updates', path: WRITES },
      params: { schema, scale: ctx.data.scale, seed: ctx.data.seed, months: ctx.data.months, enums: 'smallint', vars: { sessions: '20' }, clockStartMs: 0 },
      clients: 2,
      threads: 1,
      rate: BURST_RATE,
      arrivals: 'uniform',
      durationSeconds,
      warmupSeconds: 0,
      seed: ctx.data.seed,
    }),
  );
  if (run.fatal) throw new Error(`${NAME}/${where.variant}: the update burst failed: ${run.fatal.message}`);
  return run.traffic.transactions;
}

function describeFinding(plain: ScenarioVariant<CoveringIndexMetric>, covering: ScenarioVariant<CoveringIndexMetric>, sessions: number): { finding: string; notes: string[] } {
  const q = (v: ScenarioVariant<CoveringIndexMetric>, n: string) => v.queries.find((x) => x.name === n);
  const c = covering.metrics;
  const claim =
    c.indexOnlyAfterVacuum === 1
      ? `"no table lookup" holds straight after VACUUM (an index-only scan with ${c.heapFetchesAfterVacuum} heap fetches) but not after ${c.updatesApplied} updates of the user's sessions (${c.heapFetchesAfterUpdates} heap fetches)`
      : `"no table lookup" does not hold: the planner chose ${q(covering, 'recent-sessions')?.planSummary?.nodeTypes.join(' + ') ?? 'another plan'}, not an index-only scan, even after VACUUM`;
  const finding =
    `For a user's ${Math.min(20, sessions)} most recent sessions, the covering index (${formatBytes(c.indexBytes ?? 0)} vs ${formatBytes(plain.metrics.indexBytes ?? 0)}) against the plain one after VACUUM: ` +
    `${compareLatency(q(covering, 'recent-sessions'), q(plain, 'recent-sessions'))}; ${claim}.`;
  const notes = [
    `Timed for the user with the most sessions (${sessions}); the list shows 20. After the updates: covering ${formatMs(q(covering, 'recent-sessions-after-updates')?.latencyMs.p50 ?? 0)} vs plain ${formatMs(q(plain, 'recent-sessions-after-updates')?.latencyMs.p50 ?? 0)} p50.`,
    `The platform mix's session list also selects id, which the covering index does not hold: that query (recent-sessions-with-id) reads the heap for every row in both arms (covering ${formatMs(q(covering, 'recent-sessions-with-id')?.latencyMs.p50 ?? 0)} vs plain ${formatMs(q(plain, 'recent-sessions-with-id')?.latencyMs.p50 ?? 0)} p50). Adding id to the INCLUDE list would make it covered.`,
    'Updates of message_count and last_activity_at clear the all-visible bit of the page they touch in both arms (autovacuum is off on the copies); with the covering index they are also never HOT, since INCLUDE columns count as indexed.',
  ];
  return { finding, notes };
}

export const coveringIndex: Scenario<CoveringIndexMetric> = {
  name: NAME,
  description: 'a user\'s recent sessions: covering idx_sessions_covering (INCLUDE …) vs plain idx_sessions_user: index-only scans, heap fetches after VACUUM and after updates, size, latency',
  hypothesis: 'Straight after VACUUM the covering index answers the session list with an index-only scan and 0 heap fetches, faster than the plain index that reads every row from the heap, at the price of a larger index; once updates clear all-visible bits, the index-only scan fetches those rows from the heap again until the next VACUUM.',
  claim: 'idx_sessions_covering: the session list (title, count, last activity) from the index alone, an index-only scan — "no table lookup" (docs/design.md, "Indexes").',
  variants: ARMS,
  datasets: ['smallint'],
  // One copy of user_sessions per arm, one at a time: the whole table (not by month).
  scratch: { table: 'user_sessions', copies: 1, months: 12, style: 'smallint' },
  core: false,
  metrics: METRICS,
  async run(ctx: ScenarioContext): Promise<ScenarioOutcome<CoveringIndexMetric>> {
    const ds = await inVariant({ scenario: NAME, variant: 'setup' }, 'load', () => ctx.dataset('smallint'));
    const plain = await runArm(ctx, 'plain', ds.schema);
    const covering = await runArm(ctx, 'covering', ds.schema);
    const { finding, notes } = describeFinding(plain.variant, covering.variant, covering.user.sessions);
    return { finding, notes, variants: [plain.variant, covering.variant] };
  },
};
