import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Calibration, estimateFootprint, estimateSeconds, fitAt, recordFootprint, recordTiming } from '../../cli/calibration.ts';
import { type Plan, checkFreeSpace, runDatasets } from '../../cli/plan.ts';
import { RunEta } from '../../cli/progress.ts';
import { checkSample, chooseVariants } from '../../cli/run.ts';
import { PgscaleError } from '../../core/errors.ts';
import type { Footprint } from '../../db/footprint.ts';
import { TABLE_NAMES } from '../../generators/index.ts';
import { compareResults } from '../../reports/compare.ts';
import { checkComparable } from '../../reports/fingerprint.ts';
import { SCENARIOS, selectScenarios } from '../../scenarios/index.ts';
import { syntheticResults } from '../fixtures/synthetic-results.ts';

/** A footprint whose every table grows as fixed + perRow × scale. */
function linearFootprint(scale: number, fixed: number, perRow: number): Footprint {
  return Object.fromEntries(TABLE_NAMES.map((t) => [t, { rows: scale, heap: fixed + perRow * scale, toast: fixed, indexes: fixed + (perRow / 2) * scale }])) as Footprint;
}

const empty = (): Calibration => ({ version: 1, footprints: {}, timings: {} });

test('fitAt draws the line through the two measured scales nearest the target and extrapolates it', () => {
  const points = [{ x: 10_000, y: 1_000_000 + 400 * 10_000 }, { x: 50_000, y: 1_000_000 + 400 * 50_000 }, { x: 1_000, y: 7 }];
  assert.is(fitAt(points, 100_000_000), 1_000_000 + 400 * 100_000_000);
});

test('fitAt scales a single point proportionally and never returns a negative figure', () => {
  assert.is(fitAt([{ x: 10, y: 50 }], 40), 200);
  assert.is(fitAt([{ x: 10, y: 50 }, { x: 20, y: 10 }], 1_000), 50, 'a falling line is read as flat');
  assert.is(fitAt([], 5), undefined);
});

test('estimateFootprint separates the fixed cost of empty partitions from the cost per row', () => {
  const cal = empty();
  for (const scale of [10_000, 50_000]) recordFootprint(cal, 'varchar', 12, scale, linearFootprint(scale, 300_000, 450));
  const est = estimateFootprint(cal, 'varchar', 12, 1_000_000);
  assert.ok(est);
  assert.is(est.footprint.message_history.heap, 300_000 + 450 * 1_000_000);
  assert.is(est.footprint.message_history.indexes, 300_000 + 225 * 1_000_000);
  assert.equal(est.scales, [10_000, 50_000]);
  assert.is(estimateFootprint(cal, 'smallint', 12, 1_000_000), undefined, 'another style was never measured');
  assert.is(estimateFootprint(cal, 'varchar', 6, 1_000_000), undefined, 'other months have other partitions');
});

test('estimateSeconds is proportional to the timing at the nearest scale on that server only', () => {
  const cal = empty();
  recordTiming(cal, 'embedded:/a', 'load/smallint', 50_000, 2.5);
  recordTiming(cal, 'embedded:/a', 'load/smallint', 1_000_000, 80);
  assert.is(estimateSeconds(cal, 'embedded:/a', 'load/smallint', 100_000_000), 8_000);
  assert.is(estimateSeconds(cal, 'embedded:/a', 'load/smallint', 100_000), 5);
  assert.is(estimateSeconds(cal, 'embedded:/b', 'load/smallint', 100_000), undefined);
});

test('runDatasets loads one data set per style the scenarios need, the chosen arms only for enum-storage, and the load tests apart', () => {
  const data = { scale: 300_000, seed: 1, months: 12 };
  const all = runDatasets(SCENARIOS, data, 'pgscale', {});
  assert.equal(all.map((d) => d.schema), ['pgscale_300k_1_smallint', 'pgscale_300k_1_varchar', 'pgscale_300k_1_text', 'pgscale_300k_1_enum', 'pgscale_traffic_300k_1_smallint']);
  const two = runDatasets(selectScenarios(['enum-storage']), data, 'pgscale', { 'enum-storage': ['smallint', 'varchar'] });
  assert.equal(two.map((d) => d.style), ['smallint', 'varchar']);
});

test('runDatasets plans the per-row scenarios\' data sets at the --sample and the others\' at the run\'s scale', () => {
  const data = { scale: 40_000, seed: 1, months: 12 };
  const reqs = runDatasets(selectScenarios(['enum-storage', 'time-index', 'n-plus-one', 'capacity']), data, 'pgscale', {}, 20_000);
  const by = new Map(reqs.map((d) => [d.schema, d]));
  for (const style of ['smallint', 'varchar', 'text', 'enum']) assert.is(by.get(`pgscale_20k_1_${style}`)?.data?.scale, 20_000, style);
  assert.equal(by.get('pgscale_20k_1_smallint')?.usedBy, ['enum-storage', 'time-index']);
  assert.equal(by.get('pgscale_40k_1_smallint')?.usedBy, ['n-plus-one'], 'a latency scenario keeps the full data set');
  assert.is(by.get('pgscale_40k_1_smallint')?.data, undefined, "the run's own data");
  assert.ok(by.has('pgscale_traffic_40k_1_smallint'), 'capacity loads its data set at the full scale');
  assert.equal(runDatasets(selectScenarios(['enum-storage']), data, 'pgscale', {}, 40_000).map((d) => d.schema)[0], 'pgscale_40k_1_smallint', 'a sample of the whole scale is no sample');
});

test('--sample larger than --scale is a usage error; the scenarios it does not shrink are named', () => {
  assert.throws(
    () => checkSample(selectScenarios(['enum-storage']), 20_000, 40_000),
    (err: PgscaleError) => err.exitCode === 2 && /--sample 40k is larger than --scale 20k/.test(err.message) && /below 20k/.test(err.hint ?? ''),
  );
  assert.equal(checkSample(selectScenarios(['enum-storage', 'time-index', 'n-plus-one', 'capacity']), 40_000, 20_000), ['n-plus-one', 'capacity']);
  assert.equal(checkSample(selectScenarios(['enum-storage', 'time-index']), 40_000, 40_000), []);
  assert.equal(checkSample(selectScenarios(['n-plus-one']), 40_000, undefined), [], 'no --sample, nothing to say');
});

test('--variants keeps the named arms, leaves out scenarios with none of them, and names the known ones for an unknown arm', () => {
  const { scenarios, chosen, left } = chooseVariants(SCENARIOS, ['smallint', 'varchar']);
  assert.equal(scenarios.map((s) => s.name), ['enum-storage']);
  assert.equal(chosen, { 'enum-storage': ['smallint', 'varchar'] });
  assert.ok(left.includes('time-index'));
  try {
    chooseVariants(selectScenarios(['enum-storage']), ['smallint', 'nosuch']);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, PgscaleError);
    assert.is((err as PgscaleError).exitCode, 2);
    assert.match((err as PgscaleError).message, /nosuch/);
    assert.match((err as PgscaleError).hint ?? '', /smallint, varchar, text, enum/);
  }
});

test('--variants refuses part of the arms of a scenario that measures them together', () => {
  assert.throws(() => chooseVariants(selectScenarios(['time-index']), ['btree']), /measures all its arms together/);
});

function planNeeding(needed: number, free: number): Plan {
  return {
    command: 'run',
    target: { kind: 'embedded', describe: 'x' },
    data: { scale: 100_000_000, seed: 1, months: 12 },
    datasets: [],
    scratch: [],
    disk: { datasetBytes: needed - 100, scratchBytes: 0, peakBytes: needed - 100, marginBytes: 100, neededBytes: needed, freeBytes: free, freeFrom: '/data' },
    seconds: { loads: 0, scenarios: 0, total: 0, byScenario: {}, unknown: [] },
    sources: [],
  };
}

test('the free-space check refuses with needed and free bytes and a scale that fits, and --force goes on', () => {
  const plan = planNeeding(200 * 2 ** 30, 50 * 2 ** 30);
  assert.throws(() => checkFreeSpace(plan, { force: false, log: () => {} }), (err: PgscaleError) => err.code === 'DISK_FULL' && /200\.0 GiB/.test(err.message) && /50\.0 GiB is free/.test(err.message) && /--scale \(about 20m fits\)/.test(err.hint ?? ''));
  const lines: string[] = [];
  checkFreeSpace(plan, { force: true, log: (l) => lines.push(l) });
  assert.match(lines.join('\n'), /--force/);
  checkFreeSpace(planNeeding(10, 11), { force: false, log: () => {} });
});

test('the run ETA counts every planned step and a load by its own rate once it has one', () => {
  const plan = { datasets: [{ schema: 'a', seconds: 100 }, { schema: 'b', seconds: 0 }], seconds: { byScenario: { s1: 50, s2: 30 }, unknown: ['s3'] } } as unknown as Plan;
  const eta = new RunEta(plan);
  assert.is(eta.remaining(0), 180);
  eta.scenarioStarted('s1', 0);
  assert.is(eta.remaining(10_000), 170);
  eta.loadStarted(10_000);
  eta.loadProgress(0.5);
  // 20 s for half the load: 20 s more, then s1's remaining 40 s and s2's 30 s.
  assert.is(eta.remaining(30_000), 20 + 40 + 30);
  eta.loadDone(30_000);
  assert.is(eta.remaining(30_000), 70);
  assert.match(eta.describe(30_000), /\+ s3/);
});

test('the gate refuses a run of other arms and leaves such runs out of the history', () => {
  const all = syntheticResults({ sampleSeed: 1, scenarios: ['enum-storage'], startedAt: '2026-01-01T00:00:00Z' });
  const some = syntheticResults({ sampleSeed: 2, scenarios: ['enum-storage'], startedAt: '2026-01-03T00:00:00Z' });
  some.scenarios[0].chosenVariants = ['smallint', 'varchar'];
  assert.match(checkComparable(all, some).problems.join('\n'), /enum-storage measured other arms \(baseline all, current smallint,varchar\)/);
  const same = structuredClone(some);
  same.scenarios[0].chosenVariants = ['varchar', 'smallint'];
  same.startedAt = '2026-01-02T00:00:00Z';
  assert.equal(checkComparable(same, some).problems, []);
  // The history holds a run of all arms and one of the same two: only the latter (and the current) make the trend.
  const cmp = compareResults(same, some, { history: [all, same] });
  assert.ok(cmp.trends && cmp.trends.length > 0);
  assert.is(cmp.trends[0].points.length, 2);
});

test('the gate refuses a run measured on a --sample against one on the full data set or another sample, and leaves it out of the history', () => {
  const full = syntheticResults({ sampleSeed: 1, scenarios: ['enum-storage'], startedAt: '2026-01-01T00:00:00Z' });
  const sampled = syntheticResults({ sampleSeed: 2, scenarios: ['enum-storage'], startedAt: '2026-01-03T00:00:00Z' });
  sampled.scenarios[0].sampleRows = 20_000;
  assert.match(checkComparable(full, sampled).problems.join('\n'), /enum-storage measured other data \(baseline full, current sample 20000\): compare runs made with the same --sample/);
  const other = structuredClone(sampled);
  other.scenarios[0].sampleRows = 10_000;
  assert.match(checkComparable(other, sampled).problems.join('\n'), /baseline sample 10000, current sample 20000/);
  const same = structuredClone(sampled);
  same.startedAt = '2026-01-02T00:00:00Z';
  assert.equal(checkComparable(same, sampled).problems, []);
  const cmp = compareResults(same, sampled, { history: [full, same] });
  assert.ok(cmp.trends && cmp.trends.length > 0);
  assert.is(cmp.trends[0].points.length, 2, 'the full-data run is not in the trend');
});

test('the free-space refusal suggests --sample when the run has per-row scenarios and no sample', () => {
  const plan = { ...planNeeding(200 * 2 ** 30, 50 * 2 ** 30), perRow: ['enum-storage'] };
  assert.throws(() => checkFreeSpace(plan, { force: false, log: () => {} }), (err: PgscaleError) => /--sample N: enum-storage/.test(err.hint ?? ''));
  assert.throws(() => checkFreeSpace({ ...plan, sample: 1_000_000 }, { force: false, log: () => {} }), (err: PgscaleError) => !/--sample/.test(err.hint ?? ''));
});

test.run();
