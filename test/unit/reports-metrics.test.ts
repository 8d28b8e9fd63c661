import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareResults } from '../../reports/compare.ts';
import { toBencherBmf, toGithubActionBenchmark } from '../../reports/exporters.ts';
import { classifyNamedMetric, extractMetrics } from '../../reports/metrics.ts';
import type { Results } from '../../reports/schema.ts';
import { syntheticResults } from '../fixtures/synthetic-results.ts';

/** The synthetic run with enum-storage's scenario-wide savings, as results written before scenarios declared metric kinds. */
function withSavings(saved: number, claimed = 40): Results {
  const r = syntheticResults({ sampleSeed: 31 });
  r.scenarios[0].metrics = { savedBytesPerRow: saved, savedBytesPerRowWithIndexes: saved + 2, savedPercent: saved / 2, claimedBytesPerRow: claimed };
  return r;
}

test('a saving is not a size: more bytes saved is better, and it is informational', () => {
  for (const name of ['savedBytesPerRow', 'savedBytesPerRowWithIndexes']) {
    assert.equal(classifyNamedMetric(name), { kind: 'info', unit: 'B', direction: 'bigger', gated: false }, name);
  }
  assert.equal(classifyNamedMetric('savedPercent'), { kind: 'info', unit: '%', direction: 'bigger', gated: false });
  assert.equal(classifyNamedMetric('claimedBytesPerRow'), { kind: 'info', unit: 'B', direction: 'none', gated: false });
});

test('correlations, applied delays and ratios of two latencies are informational; sizes and timings stay gated', () => {
  for (const name of ['correlation', 'correlationShuffled', 'appliedDelay0_5', 'appliedDelay2', 'nPlusOneOverJoinDirect']) {
    assert.is(classifyNamedMetric(name).gated, false, name);
  }
  assert.equal(classifyNamedMetric('idxTasksStatusBytesPerEntry'), { kind: 'size', unit: 'B', direction: 'smaller', gated: true });
  assert.equal(classifyNamedMetric('buildSeconds'), { kind: 'timing', unit: 's', direction: 'smaller', gated: true });
  assert.equal(classifyNamedMetric('copyRowsPerSecond'), { kind: 'throughput', unit: 'ops/s', direction: 'bigger', gated: true });
  assert.equal(classifyNamedMetric('copySlowdown'), { kind: 'timing', unit: 'x', direction: 'smaller', gated: true });
});

test('a bigger SMALLINT saving does not read as a regression', () => {
  const c = compareResults(withSavings(6), withSavings(9));
  const m = c.metrics.find((x) => x.id === 'enum-storage/-/metric/savedBytesPerRow')!;
  assert.is(m.method, 'informational');
  assert.is(m.verdict, 'unchanged');
  assert.match(m.reason, 'informational, not judged (moved +50.0%)');
  assert.not.ok(c.metrics.some((x) => x.label.startsWith('saved') && x.verdict === 'regressed'));
});

test('a scenario\'s declared metric kinds win over the name rules', () => {
  const r = syntheticResults({ sampleSeed: 32 });
  r.scenarios[1].metricKinds = { buildSeconds: { kind: 'info', gated: false }, correlation: { kind: 'info', unit: 'x', direction: 'bigger' } };
  const build = extractMetrics(r).find((m) => m.id === 'time-index/btree/metric/buildSeconds')!;
  assert.equal([build.kind, build.unit, build.direction, build.gated], ['info', '', 'none', false]);
  const corr = extractMetrics(r).find((m) => m.id === 'time-index/btree/metric/correlation')!;
  assert.equal([corr.kind, corr.unit, corr.direction, corr.gated], ['info', 'x', 'bigger', true], 'a declaration may make a metric gated');
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
