import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareResults, type MetricComparison } from '../../reports/compare.ts';
import { toBencherBmf, toGithubActionBenchmark } from '../../reports/exporters.ts';
import { buildTrends } from '../../reports/history.ts';
import { extractMetrics, metricDeclarations, undeclaredMetrics } from '../../reports/metrics.ts';
import type { Results } from '../../reports/schema.ts';
import { syntheticResults } from '../fixtures/synthetic-results.ts';

/** The synthetic run with enum-storage's scenario-wide savings (declared, as the scenario declares them). */
function withSavings(saved: number, claimed = 40): Results {
  const r = syntheticResults({ sampleSeed: 31 });
  r.scenarios[0].metrics = { savedBytesPerRow: saved, savedBytesPerRowWithIndexes: saved + 2, savedPercent: saved / 2, claimedBytesPerRow: claimed };
  return r;
}

/** The same document as a pgscale from before scenarios declared their metrics wrote it: no `metricKinds`. */
function undeclared(r: Results): Results {
  const copy = structuredClone(r);
  for (const s of copy.scenarios) delete s.metricKinds;
  return copy;
}

/** Every comparison row without its reason's wording: what the gate decided. */
const decided = (rows: MetricComparison[]) => rows.map(({ id, kind, unit, direction, gated, method, verdict, change }) => ({ id, kind, unit, direction, gated, method, verdict, change }));

test('a bigger SMALLINT saving does not read as a regression', () => {
  const c = compareResults(withSavings(6), withSavings(9));
  const m = c.metrics.find((x) => x.id === 'enum-storage/-/metric/savedBytesPerRow')!;
  assert.is(m.method, 'informational');
  assert.is(m.verdict, 'unchanged');
  assert.match(m.reason, 'informational, not judged (moved +50.0%)');
  assert.not.ok(c.metrics.some((x) => x.label.startsWith('saved') && x.verdict === 'regressed'));
});

test('a results document\'s declarations say what each named metric is', () => {
  const r = syntheticResults({ sampleSeed: 32 });
  r.scenarios[1].metricKinds = { buildSeconds: { kind: 'info', gated: false }, correlation: { kind: 'info', unit: 'x', direction: 'bigger' } };
  const build = extractMetrics(r).find((m) => m.id === 'time-index/btree/metric/buildSeconds')!;
  assert.equal([build.kind, build.unit, build.direction, build.gated], ['info', '', 'none', false]);
  const corr = extractMetrics(r).find((m) => m.id === 'time-index/btree/metric/correlation')!;
  assert.equal([corr.kind, corr.unit, corr.direction, corr.gated], ['info', 'x', 'bigger', true], 'a declaration may make a metric gated');
});

test('a baseline written before scenarios declared their metrics is judged as the current run declares them', () => {
  const base = withSavings(6);
  const cur = withSavings(9);
  cur.scenarios[1].variants.find((v) => v.name === 'btree')!.metrics.buildSeconds *= 3;
  cur.scenarios[0].variants[0].metrics.loadSeconds *= 2;
  const declaredBoth = compareResults(base, cur).metrics;
  const oldBaseline = compareResults(undeclared(base), cur).metrics;
  assert.equal(decided(oldBaseline), decided(declaredBoth));
  assert.not.ok(oldBaseline.some((m) => m.method === 'undeclared'), 'every named metric found its declaration');
  const build = oldBaseline.find((m) => m.id === 'time-index/btree/metric/buildSeconds')!;
  assert.equal([build.kind, build.gated, build.verdict], ['timing', true, 'inconclusive'], 'a tripled build time is a gated timing, as declared');
});

test('a named metric no run declares is listed as undeclared and never judged, whatever its name says', () => {
  const base = undeclared(withSavings(6));
  const cur = undeclared(withSavings(9));
  cur.scenarios[0].variants[0].metrics.loadSeconds *= 2;
  const rows = compareResults(base, cur).metrics;
  for (const id of ['enum-storage/smallint/metric/loadSeconds', 'enum-storage/-/metric/savedBytesPerRow', 'time-index/btree/metric/buildSeconds']) {
    const m = rows.find((x) => x.id === id)!;
    assert.equal([m.method, m.verdict, m.gated], ['undeclared', 'inconclusive', false], id);
    assert.match(m.reason, /^undeclared: no run at hand says what this metric is/);
  }
  assert.match(rows.find((x) => x.id === 'enum-storage/smallint/metric/loadSeconds')!.reason, '(moved +100.0%)');
  assert.not.ok(rows.some((m) => m.verdict === 'regressed' || m.verdict === 'improved'), 'nothing is judged by a guess');
  const m = extractMetrics(cur).find((x) => x.id === 'time-index/btree/metric/buildSeconds')!;
  assert.equal([m.kind, m.direction, m.gated, m.undeclared], ['info', 'none', false, true]);
});

test('a renamed metric is undeclared: its new name reads by no rule', () => {
  const r = syntheticResults({ sampleSeed: 35 });
  const btree = r.scenarios[1].variants.find((v) => v.name === 'btree')!;
  btree.metrics.buildSecs = btree.metrics.buildSeconds;
  delete btree.metrics.buildSeconds;
  assert.equal(undeclaredMetrics(r.scenarios[1]), ['buildSecs']);
  const m = extractMetrics(r).find((x) => x.id === 'time-index/btree/metric/buildSecs')!;
  assert.equal([m.gated, m.undeclared], [false, true]);
});

test('undeclaredMetrics names each undeclared metric once, from variants and scenario-wide, and takes no inherited property for a declaration', () => {
  const r = syntheticResults({ sampleSeed: 36 });
  assert.equal(undeclaredMetrics(r.scenarios[1]), [], 'the fixture declares its metrics');
  for (const v of r.scenarios[1].variants) v.metrics.fooMs = 1;
  r.scenarios[1].metrics = { constructor: 2, buildSeconds: 3 };
  assert.equal(undeclaredMetrics(r.scenarios[1]), ['fooMs', 'constructor']);
  assert.is(extractMetrics(r).find((x) => x.id === 'time-index/-/metric/constructor')?.undeclared, true);
});

test('where two runs declare a metric differently, the first document given wins', () => {
  const current = syntheticResults({ sampleSeed: 37 });
  const older = syntheticResults({ sampleSeed: 38 });
  older.scenarios[1].metricKinds = { ...older.scenarios[1].metricKinds, buildSeconds: { kind: 'info', gated: false }, retired: { kind: 'size' } };
  const d = metricDeclarations([current, older]);
  assert.equal(d.get('time-index')?.buildSeconds, { kind: 'timing' });
  assert.equal(d.get('time-index')?.retired, { kind: 'size' }, 'a metric only the older run declares keeps its declaration');
});

test('the history trends read an older run without declarations as the newest run declares them', () => {
  const older = undeclared(syntheticResults({ sampleSeed: 39, startedAt: '2025-05-01T02:00:00.000Z' }));
  const newer = syntheticResults({ sampleSeed: 40 });
  const trend = buildTrends([newer, older]).find((t) => t.id === 'time-index/btree/metric/buildSeconds')!;
  assert.equal([trend.kind, trend.direction, trend.points.length], ['timing', 'smaller', 2]);
});

test('a noisy correlation is listed with its change but never judged', () => {
  const base = syntheticResults({ sampleSeed: 33 });
  const cur = structuredClone(base);
  cur.scenarios[1].variants.find((v) => v.name === 'brin-shuffled')!.metrics.correlation = 0.2;
  const m = compareResults(base, cur).metrics.find((x) => x.id === 'time-index/brin-shuffled/metric/correlation')!;
  assert.is(m.verdict, 'unchanged');
  assert.is(m.method, 'informational');
  assert.is(m.current, 0.2);
});

test('an informational metric that appears or goes is not inconclusive', () => {
  const base = syntheticResults({ sampleSeed: 34 });
  const cur = structuredClone(base);
  base.scenarios[0].metrics = { claimedBytesPerRow: 40 };
  cur.scenarios[0].metrics = { savedBytesPerRow: 7 };
  const c = compareResults(base, cur);
  const gone = c.metrics.find((x) => x.id === 'enum-storage/-/metric/claimedBytesPerRow')!;
  const appeared = c.metrics.find((x) => x.id === 'enum-storage/-/metric/savedBytesPerRow')!;
  assert.equal([gone.verdict, gone.method], ['unchanged', 'informational']);
  assert.match(gone.reason, 'missing in the current run');
  assert.equal([appeared.verdict, appeared.method], ['unchanged', 'informational']);
  assert.match(appeared.reason, 'not in the baseline');
  cur.scenarios[0].metrics = { savedBytesPerRow: 7, rowsInDay: 5 };
  cur.scenarios[0].metricKinds = { ...cur.scenarios[0].metricKinds, rowsInDay: { kind: 'info' } };
  assert.is(compareResults(base, cur).metrics.find((x) => x.label === 'rowsInDay')!.verdict, 'inconclusive', 'a gated metric that appears still is');
});

test('the exporters leave informational metrics out: their alerts would be noise', () => {
  const r = withSavings(7);
  const bigger = toGithubActionBenchmark(r, 'customBiggerIsBetter');
  assert.not.ok(bigger.some((e) => e.name.includes('saved')), 'a saving is no throughput to alert on');
  assert.not.ok(toGithubActionBenchmark(r, 'customSmallerIsBetter').some((e) => /saved|claimed/.test(e.name)));
  assert.not.ok(Object.keys(toBencherBmf(r)).some((k) => /saved|claimed|correlation/.test(k)));
});

test.run();
