/**
 * The one shared suite every registered scenario plugs into: run them all at a tiny
 * scale on the test server, then check the results are complete and consistent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { usesIndex } from '../../bench/explain.ts';
import { inspectSchema } from '../../db/schema.ts';
import { extractMetrics, undeclaredMetrics } from '../../reports/metrics.ts';
import { parseResults, type QueryResult, type Results, type ScenarioResult, type VariantResult } from '../../reports/schema.ts';
import { PgscaleError } from '../../core/errors.ts';
import { SCENARIOS, type Scenario, selectScenarios } from '../../scenarios/index.ts';
import { TRAFFIC_SUFFIX, datasetSchema, runScenarios } from '../../scenarios/runner.ts';
import { type StyleMeasure, explainFindings } from '../../scenarios/enum-storage/index.ts';
import { INDEX_NAME, type Kind } from '../../scenarios/time-index/index.ts';
import { dropSchema, testClient, testTarget, uniqueSchema } from '../support/db.ts';

const DATA = { scale: 20_000, seed: 7, months: 12 };
const PREFIX = uniqueSchema('scn');
// Tiny budgets: the suite checks completeness and consistency, not speed.
// A generous hard cap: on a loaded machine a 75 ms cap (3 × timeMs) cut off the
// n-plus-one wire count at 2 ms per direction, leaving nothing to check.
const LATENCY = { timeMs: 25, warmupMs: 5, minSamples: 3, hardCapMs: 1000 };
// Short load-test steps for the capacity search: the suite checks it runs and reports.
const TRAFFIC = { stepSeconds: 1, warmupSeconds: 0.5 };

let results: Promise<Results> | undefined;
/** The shared run, started by the first test that needs it. */
function run(): Promise<Results> {
  results ??= testTarget().then((target) => runScenarios(target, { data: DATA, scenarios: SCENARIOS, jobs: 2, schemaPrefix: PREFIX, latency: LATENCY, traffic: TRAFFIC }));
  return results;
}

async function scenario(name: string): Promise<ScenarioResult> {
  const s = (await run()).scenarios.find((x) => x.name === name);
  assert.ok(s, `scenario ${name} in the results`);
  return s!;
}

function variant(s: ScenarioResult, name: string): VariantResult {
  const v = s.variants.find((x) => x.name === name);
  assert.ok(v, `${s.name} has variant ${name}`);
  return v!;
}

test('the results document validates against the results schema', async () => {
  const r = await run();
  assert.not.throws(() => parseResults(JSON.parse(JSON.stringify(r))));
  assert.is(r.params.scale, DATA.scale);
  assert.ok(r.clientFloor && r.clientFloor.samples > 0, 'client floor measured');
});

test('every registered scenario ran and succeeded', async () => {
  const r = await run();
  for (const s of SCENARIOS) {
    const got = r.scenarios.find((x) => x.name === s.name);
    assert.ok(got, `${s.name} present`);
    assert.is(got!.status, 'ok', `${s.name}: ${got!.error?.message ?? ''}`);
    assert.ok(got!.finding.length > 20, `${s.name} has a finding`);
  }
});

test('every scenario declares every named metric it emits, and the results record its declarations', async () => {
  for (const s of SCENARIOS) {
    const got = await scenario(s.name);
    // The runner refuses an undeclared metric by failing the scenario, naming it.
    assert.not.ok(/does not declare/.test(got.error?.message ?? ''), got.error?.message);
    const missing = undeclaredMetrics(got);
    assert.equal(missing, [], `${s.name} emits metrics its \`metrics\` does not declare: ${missing.join(', ')}`);
    assert.equal(got.metricKinds, { ...s.metrics }, `${s.name} records its declarations as metricKinds`);
  }
});

test('the runner refuses a metric the scenario does not declare, naming the scenario and the metric', async () => {
  const renamed: Scenario = {
    name: 'renamed-metric',
    description: 'declares buildSeconds, emits buildSecs',
    hypothesis: '-',
    claim: '-',
    variants: ['only'],
    metrics: { buildSeconds: { kind: 'timing' } },
    async run() {
      return { finding: 'measured nothing', variants: [{ name: 'only', sizes: [], queries: [], metrics: { buildSecs: 1 } }] };
    },
  };
  const r = await runScenarios(await testTarget(), { data: DATA, scenarios: [renamed], schemaPrefix: PREFIX, latency: LATENCY });
  assert.is(r.scenarios[0].status, 'errored');
  assert.match(r.scenarios[0].error?.message ?? '', 'scenario renamed-metric emits a metric it does not declare: buildSecs');
  assert.not.ok(extractMetrics(r).some((m) => m.scenario === 'renamed-metric'), 'nothing of it reaches the gate');
});

// Load tests measure a server under load, not relations and plans.
const LOAD_SCENARIOS = new Set(['capacity', 'pooling']);

test('every expected variant is present with sizes, latencies and a plan', async () => {
  for (const s of SCENARIOS) {
    const got = await scenario(s.name);
    if (got.skipped) continue;
    assert.equal(got.variants.map((v) => v.name), [...s.variants], `${s.name} variants in order`);
    if (LOAD_SCENARIOS.has(s.name)) continue;
    for (const v of got.variants) {
      // An arm this server cannot run (toast's lz4 on a server built without lz4) is
      // reported with its reason and measured: 0, never with made-up figures.
      if (v.metrics.measured === 0) {
        assert.ok(v.sizes.length === 0 && v.queries.length === 0 && /not measurable/.test(v.description ?? ''), `${s.name}/${v.name} says why it was not measured`);
        continue;
      }
      assert.ok(v.sizes.length > 0, `${s.name}/${v.name} sizes`);
      assert.ok(v.queries.length > 0, `${s.name}/${v.name} queries`);
      assert.ok(v.queries.some((q) => q.plan !== undefined && q.planSummary && q.planSummary.nodeTypes.length > 0), `${s.name}/${v.name} has a plan`);
      for (const q of v.queries) {
        const l = q.latencyMs;
        assert.ok(q.samples >= 1 && l.p50 > 0, `${s.name}/${v.name}/${q.name} measured`);
        assert.ok(l.p50 <= l.p75 && l.p75 <= l.p99 && l.p99 <= l.p999, `${s.name}/${v.name}/${q.name} percentiles ordered`);
        assert.ok((q.samplesMs?.length ?? 0) >= 1 && (q.samplesMs?.length ?? 0) <= 2000, `${s.name}/${v.name}/${q.name} raw samples kept`);
      }
    }
  }
});

test('each table\'s heap, TOAST and index sizes add up to its total', async () => {
  let checked = 0;
  for (const s of (await run()).scenarios) {
    for (const v of s.variants) {
      for (const total of v.sizes.filter((e) => e.kind === 'total')) {
        const parts = v.sizes.filter((e) => (e.kind === 'table' && e.relation === total.relation) || ((e.kind === 'toast' || e.kind === 'index') && e.table === total.relation));
        const sum = parts.reduce((a, e) => a + e.bytes, 0);
        assert.is(sum, total.bytes, `${s.name}/${v.name}/${total.relation}`);
        assert.ok(total.bytes > 0, `${s.name}/${v.name}/${total.relation} is not empty (partitions summed)`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 10, `checked ${checked} tables`);
});

test('time-index: every index variant\'s plans use the index the variant is about; no-index variants scan', async () => {
  const s = await scenario('time-index');
  for (const v of s.variants) {
    const kind = v.name.replace(/-shuffled$/, '') as Kind;
    for (const q of v.queries) {
      const plan = q.planSummary!;
      if (kind === 'none') {
        assert.is(plan.indexes.length, 0, `${v.name}/${q.name} uses no index`);
        assert.ok(plan.nodeTypes.includes('Seq Scan'), `${v.name}/${q.name} scans`);
      } else {
        assert.ok(usesIndex(plan, INDEX_NAME[kind]), `${v.name}/${q.name} uses ${INDEX_NAME[kind]} (plan: ${plan.indexes.join(', ')} → ${plan.parentIndexes?.join(', ')})`);
        assert.is(q.params?.forced, 'enable_seqscan=off');
      }
      assert.ok(q.params?.selectivity, `${v.name}/${q.name} labelled with its selectivity`);
    }
    if (kind !== 'none') {
      assert.ok(v.sizes.some((e) => e.kind === 'index' && e.relation === INDEX_NAME[kind] && e.bytes > 0), `${v.name} reports its index size`);
      assert.ok((v.metrics.buildSeconds ?? 0) > 0, `${v.name} build time`);
    }
    assert.ok((v.metrics.copySeconds ?? 0) > 0, `${v.name} COPY time`);
  }
  assert.equal(variant(s, 'none').queries.map((q) => q.name), ['range-hour', 'range-day', 'range-week', 'range-month']);
});

test('time-index: the shuffled copy has a much lower physical correlation, and BRIN reads lossy pages', async () => {
  const s = await scenario('time-index');
  const ordered = variant(s, 'brin').metrics.correlation;
  const shuffled = variant(s, 'brin-shuffled').metrics.correlation;
  assert.ok(ordered > 0.9, `as loaded: ${ordered}`);
  assert.ok(Math.abs(shuffled) < 0.3, `shuffled: ${shuffled}`);
  const day = variant(s, 'brin').queries.find((q) => q.name === 'range-day')!.planSummary!;
  assert.ok((day.heapBlocksLossy ?? 0) > 0, 'BRIN bitmap pages are lossy');
});

test('time-index copies only the two months its ranges touch, and sizes per row use those rows', async () => {
  const s = await scenario('time-index');
  const copied = s.metrics!.copiedRows;
  const total = variant(await scenario('enum-storage'), 'smallint').sizes.find((e) => e.relation === 'message_history' && e.kind === 'table')!.rows!;
  assert.ok(copied >= s.metrics!.rowsInMonth && copied > 0, `copied ${copied}, the month's range has ${s.metrics!.rowsInMonth}`);
  assert.ok(copied < total / 3, `copied ${copied} of ${total}: two of ${DATA.months} months`);
  assert.is(variant(s, 'btree').sizes.find((e) => e.kind === 'table')!.rows, copied);
  assert.ok(s.notes?.some((n) => n.startsWith('The indexes are built on copies of the two calendar months')), 'the notes say so');
});

test('time-index: the headline sizes only the partitions holding rows; the rest is empty partitions\' floors', async () => {
  const s = await scenario('time-index');
  for (const name of ['btree', 'brin', 'brin-16', 'brin-multi']) {
    const m = variant(s, name).metrics;
    const empty = m.indexBytes - m.populatedIndexBytes;
    assert.ok(m.populatedIndexBytes > 0 && empty > 0, `${name}: ${m.populatedIndexBytes} populated, ${empty} empty`);
    // The copy's empty partitions each hold exactly the floor.
    assert.is(empty % m.emptyPartitionIndexBytes, 0, `${name}: empty partitions are whole floors`);
  }
  assert.match(s.finding, /^On the \d+ partitions? holding the copied rows, BRIN/);
});

test('time-index projects the B-tree to --project rows: bigger than measured, and the finding says what is measured and projected', async () => {
  const s = await scenario('time-index');
  assert.is(s.metrics!.projectedRows, 1e9, 'the design guide\'s billion by default');
  const btree = variant(s, 'btree').metrics;
  assert.ok(btree.projectedIndexBytes > btree.indexBytes * 1000, `${btree.projectedIndexBytes} projected from ${btree.indexBytes}`);
  assert.ok(btree.indexBytesPerRow > 0);
  assert.match(s.finding, /measured on 20k/);
  for (const name of ['brin', 'brin-multi']) {
    const m = variant(s, name).metrics;
    // Projected only when its probe could price a range; then far below the B-tree.
    if (m.projectedIndexBytes !== undefined) assert.ok(m.projectedIndexBytes < btree.projectedIndexBytes / 10, name);
  }
});

test('time-index drops its scratch copies', async () => {
  await run();
  const c = await testClient();
  try {
    for (const suffix of ['ti_ordered', 'ti_shuffled', 'ti_copy']) {
      assert.is((await inspectSchema(c, datasetSchema(PREFIX, DATA, suffix))).exists, false, suffix);
    }
  } finally {
    await c.end();
  }
});

test('enum-storage: the same rows in every style, SMALLINT columns smallest, eq-status uses the partial index', async () => {
  const s = await scenario('enum-storage');
  const rows = (name: string) => variant(s, name).sizes.find((e) => e.relation === 'auto_tasks' && e.kind === 'table')!.rows;
  assert.ok(rows('smallint')! > 0);
  for (const style of ['varchar', 'text', 'enum']) assert.is(rows(style), rows('smallint'), `${style} rows`);
  const enumBytes = (name: string) => variant(s, name).metrics.autoTasksEnumBytesPerRow;
  assert.is(enumBytes('smallint'), 10, 'five SMALLINT columns are 10 bytes');
  assert.is(enumBytes('enum'), 20, 'five ENUM columns are 20 bytes');
  assert.ok(enumBytes('varchar') > enumBytes('enum'));
  for (const v of s.variants) {
    const eq = v.queries.find((q) => q.name === 'eq-status')!;
    assert.ok(usesIndex(eq.planSummary!, 'idx_tasks_status'), `${v.name}: eq-status plan uses idx_tasks_status (${eq.planSummary!.indexes.join(', ')})`);
  }
  assert.match(s.finding, /SMALLINT saves [\d.]+ bytes\/row .* the design claims 40/);
});

test('enum-storage: load timings are always there, say whether the data set was reused, and are not gated', async () => {
  const s = await scenario('enum-storage');
  for (const v of s.variants) {
    for (const key of ['copySeconds', 'loadSeconds', 'reused']) assert.type(v.metrics[key], 'number', `${v.name}.${key}`);
    assert.ok(v.metrics.loadSeconds > 0 && v.metrics.copySeconds > 0, `${v.name} load timings`);
    assert.ok(v.metrics.reused === 0 || v.metrics.reused === 1);
  }
  for (const key of ['copySeconds', 'loadSeconds', 'reused']) assert.is(s.metricKinds?.[key]?.gated, false, `${key} is informational`);
  assert.ok(s.notes?.some((n) => n.startsWith('Load timings are informational, not gated')), 'the notes say so');
});

/** Measured on the full data set, projected to the design guide's billion. */
const FULL = { measuredRows: 300_000, projectRows: 1e9 };

/** A style's measures with auto_tasks of 15,000 rows and idx_tasks_status of `indexPages` pages. */
function styleMeasure(style: StyleMeasure['style'], heapBytes: number, indexPages: number): StyleMeasure {
  const rows = 15_000;
  return {
    style,
    sizes: [
      { relation: 'auto_tasks', kind: 'table', bytes: heapBytes, rows, bytesPerRow: heapBytes / rows },
      { relation: 'idx_tasks_status', kind: 'index', bytes: indexPages * 8192, table: 'auto_tasks' },
      { relation: 'auto_tasks', kind: 'total', bytes: heapBytes + indexPages * 8192, rows, bytesPerRow: (heapBytes + indexPages * 8192) / rows },
    ],
    enumBytes: { auto_tasks: style === 'smallint' ? 10 : 40, message_history: 6, user_sessions: 6 },
    tupleBytes: { auto_tasks: 200, message_history: 300, user_sessions: 150 },
    openTasks: 9_000,
    mapBytes: 32_768,
    reused: false,
  };
}

test('enum-storage: an index under 100 pages is called too small to tell, with no deduplication claim and no index extrapolation', () => {
  const small = explainFindings(new Map([['smallint', styleMeasure('smallint', 3_000_000, 8)], ['varchar', styleMeasure('varchar', 3_400_000, 8)]]), FULL);
  const note = small.notes.find((n) => n.startsWith('idx_tasks_status'))!;
  assert.match(note, 'in 8 pages with SMALLINT keys and 8 with VARCHAR: too small at this scale to tell');
  assert.not.match(note, 'deduplication stores');
  assert.not.ok(small.notes.some((n) => /B-tree deduplication \(PostgreSQL 13\+\) stores/.test(n)), 'equal sizes are not credited to deduplication');
  assert.match(small.notes.find((n) => n.startsWith('Extrapolated'))!, 'The indexes are not extrapolated');
  assert.match(small.finding, 'too few index pages at this scale to tell');

  const large = explainFindings(new Map([['smallint', styleMeasure('smallint', 300_000_000, 400)], ['varchar', styleMeasure('varchar', 340_000_000, 450)]]), FULL);
  assert.match(large.notes.find((n) => n.startsWith('idx_tasks_status'))!, 'B-tree deduplication');
  assert.match(large.notes.find((n) => n.startsWith('Extrapolated'))!, 'with indexes');
  assert.not.match(large.finding, 'too few index pages');
});

test('enum-storage: the notes say which data sets this run loaded and which it reused', () => {
  const measures = new Map([['smallint', { ...styleMeasure('smallint', 3_000_000, 8), reused: true }], ['varchar', styleMeasure('varchar', 3_400_000, 8)]] as const);
  const note = explainFindings(new Map(measures), FULL).notes.find((n) => n.startsWith('Load timings'))!;
  assert.match(note, 'varchar loaded by this run (reused=0), smallint reused from an earlier one (reused=1)');
});

function nPlusOneQueries(s: ScenarioResult, name: string): QueryResult[] {
  return variant(s, name).queries;
}

test('n-plus-one: statements and round trips counted on the wire are 1 + N for N+1 and 1 for join and aggregate', async () => {
  const s = await scenario('n-plus-one');
  for (const q of nPlusOneQueries(s, 'n-plus-one')) {
    const n = Number(q.params?.sessions);
    assert.ok(n >= 1, 'a real user with sessions');
    assert.is(q.statements, 1 + n, `${q.name} at ${q.params?.delayMs} ms`);
    assert.is(q.roundTrips, 1 + n);
  }
  for (const name of ['join', 'aggregate']) {
    for (const q of nPlusOneQueries(s, name)) {
      assert.is(q.statements, 1, `${name}/${q.name}`);
      assert.is(q.roundTrips, 1);
      assert.ok((q.bytesReceived ?? 0) > (q.bytesSent ?? 0), 'rows come back');
    }
  }
  assert.equal([...new Set(nPlusOneQueries(s, 'join').map((q) => q.params?.delayMs))], [0, 0.5, 2]);
});

test('n-plus-one: the added delay shows in the latency, per round trip', async () => {
  const s = await scenario('n-plus-one');
  for (const q of nPlusOneQueries(s, 'n-plus-one').filter((x) => x.params?.delayMs === 2)) {
    // Each round trip crosses the proxy twice at 2 ms.
    const floor = (q.roundTrips ?? 0) * 2 * 2;
    assert.ok(q.latencyMs.p50 >= floor * 0.95, `${q.name}: p50 ${q.latencyMs.p50.toFixed(1)} ms for ${q.roundTrips} round trips`);
  }
});

test('the environment fingerprint names the server and its settings but never the password', async () => {
  const r = await run();
  assert.match(r.environment.postgres.version, /^PostgreSQL \d+/);
  assert.ok(r.environment.postgres.settings.shared_buffers, 'shared_buffers recorded');
  assert.ok(r.environment.cpus >= 1 && r.environment.memoryBytes > 0);
  assert.match(r.environment.cacheState ?? '', /VACUUM ANALYZE/);
  const config = (await testTarget()).config;
  const password = config.password ? String(config.password) : config.connectionString ? decodeURIComponent(new URL(config.connectionString).password) : '';
  assert.ok(password.length > 0, 'the test server has a password to look for');
  assert.not.ok(JSON.stringify(r).includes(password), 'password leaked into results');
});

test('a failing scenario is recorded as errored with its SQLSTATE and the run goes on', async () => {
  const failing: Scenario = {
    name: 'always-fails',
    description: 'divides by zero',
    hypothesis: '-',
    claim: '-',
    variants: [],
    metrics: {},
    async run(ctx) {
      const c = await ctx.target.connect();
      try {
        await c.query('SELECT 1 / 0');
      } finally {
        await c.end();
      }
      return { finding: 'unreachable', variants: [] };
    },
  };
  let reused: boolean | undefined;
  const after: Scenario = {
    name: 'after',
    description: 'reuses the data set the shared run loaded',
    hypothesis: '-',
    claim: '-',
    variants: [],
    metrics: {},
    async run(ctx) {
      reused = (await ctx.dataset('smallint')).summary.reused;
      return { finding: 'ran after the failure', variants: [] };
    },
  };
  await run();
  const r = await runScenarios(await testTarget(), { data: DATA, scenarios: [failing, after], schemaPrefix: PREFIX, latency: LATENCY });
  assert.is(r.scenarios[0].status, 'errored');
  assert.is(r.scenarios[0].error?.sqlstate, '22012');
  assert.is(r.scenarios[1].status, 'ok');
  assert.is(reused, true, 'a complete data set with the same parameters is reused, not reloaded');
  assert.not.throws(() => parseResults(r));
});

test('an unknown scenario name is a usage error that lists the known ones', () => {
  try {
    selectScenarios(['enum-storage', 'no-such-scenario']);
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, PgscaleError);
    assert.is((err as PgscaleError).exitCode, 2);
    assert.match((err as PgscaleError).message, 'no-such-scenario');
    for (const s of SCENARIOS) assert.match((err as PgscaleError).hint ?? '', s.name);
  }
  assert.equal(selectScenarios([]).map((s) => s.name), SCENARIOS.filter((s) => s.core !== false).map((s) => s.name), 'none named: the core ones');
  for (const s of SCENARIOS) assert.equal(selectScenarios([s.name]).map((x) => x.name), [s.name], 'a named scenario runs, core or not');
  assert.equal(selectScenarios(['n-plus-one', 'enum-storage']).map((s) => s.name), ['enum-storage', 'n-plus-one'], 'registry order');
});

test('capacity: the search found a rate, bracketed it, and kept its steps, on a data set of its own', async () => {
  const s = await scenario('capacity');
  const c = s.capacity!;
  assert.ok(c, 'capacity results');
  assert.ok(c.steps.length >= 2, `${c.steps.length} steps`);
  assert.ok(c.maxRate > 0 && c.low <= c.high, `capacity ${c.maxRate} in [${c.low}, ${c.high}]`);
  assert.is(s.metrics?.maxRate, c.maxRate);
  assert.is(s.metricKinds?.maxRate?.direction, 'bigger');
  assert.ok(c.steps.some((x) => x.passed), 'a step passed');
  assert.match(s.finding, /sustains [\d,.]+ tx\/s/);
  // Its writes went to the traffic data set (recorded there; pooling, after it, reloads
  // that data set and records its own), not to the ones the other scenarios measure.
  assert.match(s.notes?.join(' ') ?? '', /wrote [\d,]+ transactions to it/);
  const c2 = await testClient();
  try {
    const log = await c2.query(`SELECT count(*)::int AS n FROM ${datasetSchema(`${PREFIX}_${TRAFFIC_SUFFIX}`, DATA, 'smallint')}._pgscale_traffic`);
    assert.is(log.rows[0].n, 1, 'one load test recorded since the last reload');
    const main = await c2.query(`SELECT to_regclass('${datasetSchema(PREFIX, DATA, 'smallint')}._pgscale_traffic') IS NULL AS untouched`);
    assert.ok(main.rows[0].untouched, 'the scenarios\' data set has no traffic log');
  } finally {
    await c2.end();
  }
});

test('clean up the data sets this suite loaded', async () => {
  await run().catch(() => undefined);
  for (const style of ['smallint', 'varchar', 'text', 'enum']) await dropSchema(datasetSchema(PREFIX, DATA, style));
  await dropSchema(datasetSchema(`${PREFIX}_${TRAFFIC_SUFFIX}`, DATA, 'smallint'));
  const c = await testClient();
  try {
    assert.is((await inspectSchema(c, datasetSchema(PREFIX, DATA, 'smallint'))).exists, false);
  } finally {
    await c.end();
  }
});

test.run();
