import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PgscaleError } from '../../core/errors.ts';
import { MetricDecl } from '../../reports/schema.ts';
import { type StyleMeasure, explainFindings } from '../../scenarios/enum-storage/index.ts';
import { type MetricDeclarations, SCENARIOS, type ScenarioVariant, recordedMetrics } from '../../scenarios/index.ts';
import { DELAYS_MS, appliedDelayMetrics, nPlusOne } from '../../scenarios/n-plus-one/index.ts';
import { describeFindings } from '../../scenarios/n-plus-one/findings.ts';
import { enumStorage } from '../../scenarios/enum-storage/index.ts';
import { formatBytes } from '../../reports/format.ts';

const DECLARED = { buildSeconds: { kind: 'timing' }, correlation: { kind: 'info', gated: false } } satisfies MetricDeclarations;
type Declared = keyof typeof DECLARED;
const demo = { name: 'demo', metrics: DECLARED };

function variant(metrics: ScenarioVariant<Declared>['metrics']): ScenarioVariant<Declared> {
  return { name: 'v', sizes: [], queries: [], metrics };
}

/** The error recordedMetrics throws, or fails the test. */
function refusal(run: () => unknown): PgscaleError {
  try {
    run();
  } catch (err) {
    assert.instance(err, PgscaleError);
    return err as PgscaleError;
  }
  assert.unreachable('an undeclared metric should be refused');
  throw new Error('unreachable');
}

test('a variant metric the scenario does not declare is refused, naming the scenario and the metric', () => {
  // Typed by no declaration (any name compiles), as a scenario that gives its names no type would be.
  const err = refusal(() => recordedMetrics(demo, { variants: [variant({ buildSeconds: 1 }), { name: 'w', sizes: [], queries: [], metrics: { buildSecs: 2 } }] }));
  assert.is(err.code, 'INTERNAL');
  assert.match(err.message, 'scenario demo emits a metric it does not declare: buildSecs');
  assert.match(err.message, 'declare it in the scenario\'s `metrics`');
});

test('a scenario-wide metric the scenario does not declare is refused too, each name once', () => {
  const err = refusal(() => recordedMetrics(demo, { variants: [variant({}), { name: 'w', sizes: [], queries: [], metrics: { rowsInDay: 1 } }], metrics: { rowsInDay: 3, copiedRows: 4 } }));
  assert.match(err.message, 'emits metrics it does not declare: rowsInDay, copiedRows');
});

test('the declarations are recorded as metricKinds, and a metric not measured is left out', () => {
  const recorded = recordedMetrics(demo, { variants: [variant({ buildSeconds: 1.5, correlation: undefined })], metrics: { correlation: 0.9 } });
  assert.equal(recorded, { variants: [{ name: 'v', sizes: [], queries: [], metrics: { buildSeconds: 1.5 } }], metrics: { correlation: 0.9 }, metricKinds: DECLARED });
  assert.not.ok('metrics' in recordedMetrics(demo, { variants: [] }), 'no scenario-wide metrics: none recorded');
});

test('a scenario typed by its declarations cannot name an undeclared metric', () => {
  // @ts-expect-error buildSecs is not among the declared names: `npx tsc` fails when this stops being an error.
  const renamed = variant({ buildSecs: 1 });
  assert.throws(() => recordedMetrics(demo, { variants: [renamed] }), /buildSecs/);
});

test('every registered scenario declares its metrics as the results schema reads them', () => {
  for (const s of SCENARIOS) {
    for (const [name, d] of Object.entries(s.metrics)) {
      assert.equal(MetricDecl.strict().parse(d), d, `${s.name}/${name}`);
    }
  }
  assert.ok(Object.keys(enumStorage.metrics).length > 0 && Object.keys(nPlusOne.metrics).length > 0);
});

/** A style's measures with auto_tasks of 15,000 rows. */
function styleMeasure(style: StyleMeasure['style'], heapBytes: number): StyleMeasure {
  const rows = 15_000;
  return {
    style,
    sizes: [
      { relation: 'auto_tasks', kind: 'table', bytes: heapBytes, rows, bytesPerRow: heapBytes / rows },
      { relation: 'auto_tasks', kind: 'total', bytes: heapBytes + 65_536, rows, bytesPerRow: (heapBytes + 65_536) / rows },
    ],
    enumBytes: { auto_tasks: style === 'smallint' ? 10 : 40, message_history: 6, user_sessions: 6 },
    tupleBytes: { auto_tasks: 200, message_history: 300, user_sessions: 150 },
    openTasks: 9_000,
    mapBytes: 32_768,
    reused: false,
  };
}

test('enum-storage declares the scenario-wide metrics its findings emit', () => {
  const found = explainFindings(new Map([['smallint', styleMeasure('smallint', 3_000_000)], ['varchar', styleMeasure('varchar', 3_400_000)]]), { measuredRows: 300_000, projectRows: 1e9 });
  assert.ok(Object.keys(found.metrics).length >= 4, 'the savings and the claim');
  assert.not.throws(() => recordedMetrics(enumStorage, { variants: [], metrics: found.metrics }));
});

test('enum-storage on a --sample says what it measured on and projects the saving to the run\'s scale', () => {
  const measures = new Map([['smallint', styleMeasure('smallint', 3_000_000)], ['varchar', styleMeasure('varchar', 3_400_000)]] as const);
  const sampled = explainFindings(new Map(measures), { measuredRows: 20_000, projectRows: 40_000, sampledFrom: 40_000 });
  // auto_tasks' 15,000 rows on 20k messages are 30,000 on 40k.
  const saved = (3_400_000 - 3_000_000) / 15_000;
  assert.match(sampled.finding, `measured on 20k (a --sample of 40k), projected to 40k: ${formatBytes(saved * 30_000)} of auto_tasks heap saved`);
  assert.match(sampled.notes.join('\n'), `Extrapolated to 40k messages (30,000 auto_tasks rows): heap ${formatBytes(saved * 30_000)} saved`);
  assert.match(sampled.notes.join('\n'), 'the query latencies are the sample');
  const full = explainFindings(new Map(measures), { measuredRows: 20_000, projectRows: 1e9 });
  assert.not.match(full.finding, '--sample');
  assert.match(full.notes.join('\n'), 'Extrapolated to 1b messages (750,000,000 auto_tasks rows)');
});

test('n-plus-one declares its ratios and an applied delay for every delayed connection', () => {
  const found = describeFindings([], [{ wanted: 50, userId: 'u1', sessions: 48 }]);
  const applied = appliedDelayMetrics(new Map(DELAYS_MS.filter((d) => d > 0).map((d) => [d, d * 1.1])));
  assert.is(Object.keys(applied).length, DELAYS_MS.length - 1);
  assert.not.throws(() => recordedMetrics(nPlusOne, { variants: [], metrics: { ...found.metrics, ...applied } }));
});

test.run();
