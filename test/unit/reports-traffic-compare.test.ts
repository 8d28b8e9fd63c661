import { refusal, regressedIds } from '../support/gate.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareResults, type Comparison } from '../../reports/compare.ts';
import { renderComparisonMarkdown } from '../../reports/compare-table.ts';
import { bootstrapMeanDifference } from '../../reports/stats.ts';
import { applyThresholdFlag, DEFAULT_GATE_CONFIG } from '../../reports/thresholds.ts';
import { syntheticResults } from '../fixtures/synthetic-results.ts';
import { syntheticTraffic, syntheticTrafficResults } from '../fixtures/synthetic-traffic.ts';

/** A quiet, dedicated machine: no run-to-run drift assumed, so the minimum effect is the kind's own. */
const QUIET = applyThresholdFlag(DEFAULT_GATE_CONFIG, 'runDrift=0');

const THROUGHPUT = 'traffic/-/throughput/transactions';
const ERROR_RATE = 'traffic/-/errors/rate';

function metric(c: Comparison, id: string) {
  const m = c.metrics.find((x) => x.id === id);
  if (!m) throw new Error(`no metric ${id} in ${c.metrics.map((x) => x.id).join(', ')}`);
  return m;
}


test('A/A: two load tests from the same distributions show no regression in at least 19 of 20 pairs', () => {
  let clean = 0;
  for (let i = 0; i < 20; i++) {
    const c = compareResults(syntheticTrafficResults({ sampleSeed: 500 + 2 * i }), syntheticTrafficResults({ sampleSeed: 501 + 2 * i }));
    if (!c.regressed) clean++;
  }
  assert.ok(clean >= 19, `only ${clean} of 20 A/A pairs were clean`);
});

test('A/A on a quiet machine (runDrift=0, minimum effect 10 %): still no regression in at least 19 of 20 pairs', () => {
  let clean = 0;
  for (let i = 0; i < 20; i++) {
    const c = compareResults(syntheticTrafficResults({ sampleSeed: 600 + 2 * i }), syntheticTrafficResults({ sampleSeed: 601 + 2 * i }), { config: QUIET });
    if (!c.regressed) clean++;
  }
  assert.ok(clean >= 19, `only ${clean} of 20 A/A pairs were clean`);
});

test('a +30 % p99 of one transaction type in all 60 one-second windows is regressed, and nothing else, in at least 19 of 20 pairs', () => {
  let caught = 0;
  for (let i = 0; i < 20; i++) {
    const base = syntheticTrafficResults({ sampleSeed: 700 + 2 * i, rate: 1000 });
    const cur = syntheticTrafficResults({ sampleSeed: 701 + 2 * i, rate: 1000, slowdown: { 'send-message': 1.3 } });
    const c = compareResults(base, cur);
    if (regressedIds(c).join() === 'traffic/send-message/latency/p99') caught++;
  }
  assert.ok(caught >= 19, `flagged alone in ${caught} of 20`);
});

test('a regressed p99 carries the per-second evidence: rank test, interval and the overall p99 as its values', () => {
  const base = syntheticTrafficResults({ sampleSeed: 11, rate: 1000 });
  const cur = syntheticTrafficResults({ sampleSeed: 12, rate: 1000, slowdown: { 'send-message': 1.5 } });
  const m = metric(compareResults(base, cur), 'traffic/send-message/latency/p99');
  assert.is(m.verdict, 'regressed');
  assert.is(m.method, 'rank-test');
  assert.ok(m.ci!.lower > 0, 'the interval excludes no change');
  assert.is(m.baseline, base.traffic!.perTransaction.find((x) => x.name === 'send-message')!.latencyMs.p99);
  assert.is(m.current, cur.traffic!.perTransaction.find((x) => x.name === 'send-message')!.latencyMs.p99);
});

test('a 15 % closed-loop throughput drop is regressed on a quiet machine (runDrift=0)', () => {
  const c = compareResults(syntheticTrafficResults({ sampleSeed: 13 }), syntheticTrafficResults({ sampleSeed: 14, rate: 340 }), { config: QUIET });
  const m = metric(c, THROUGHPUT);
  assert.is(m.verdict, 'regressed', m.reason);
  assert.is(m.method, 'rank-test');
  assert.ok(Math.abs(m.change! + 0.15) < 0.03, `change ${m.change}`);
});

test('with the default assumed run drift, a 15 % throughput drop is under the widened minimum effect', () => {
  const m = metric(compareResults(syntheticTrafficResults({ sampleSeed: 13 }), syntheticTrafficResults({ sampleSeed: 14, rate: 340 })), THROUGHPUT);
  assert.is(m.verdict, 'unchanged');
  assert.match(m.reason, 'under the minimum effect (23.');
});

test('open-loop runs at target rates more than 1 % apart: throughput is not comparable, inconclusive with the reason', () => {
  const base = syntheticTrafficResults({ sampleSeed: 15, mode: 'open', rate: 400 });
  const cur = syntheticTrafficResults({ sampleSeed: 16, mode: 'open', rate: 500 });
  const c = compareResults(base, cur);
  const m = metric(c, THROUGHPUT);
  assert.is(m.verdict, 'inconclusive');
  assert.is(m.method, 'not-comparable');
  assert.match(m.reason, 'not comparable: offered 400 tx/s in the baseline, 500 tx/s now');
  assert.ok(c.warnings.some((w) => w.includes('offered load differs')), c.warnings.join('\n'));
});

test('open-loop target rates within 1 % are comparable', () => {
  const base = syntheticTrafficResults({ sampleSeed: 17, mode: 'open', rate: 400 });
  const cur = syntheticTrafficResults({ sampleSeed: 18, mode: 'open', rate: 403 });
  assert.is.not(metric(compareResults(base, cur), THROUGHPUT).method, 'not-comparable');
});

test('a closed and an open loop: throughput not comparable', () => {
  const m = metric(compareResults(syntheticTrafficResults({ sampleSeed: 19 }), syntheticTrafficResults({ sampleSeed: 20, mode: 'open' })), THROUGHPUT);
  assert.is(m.verdict, 'inconclusive');
  assert.match(m.reason, 'closed loop in the baseline, open loop now');
});

test('open-loop runs that both kept up with the offered rate are unchanged in throughput', () => {
  const m = metric(compareResults(syntheticTrafficResults({ sampleSeed: 21, mode: 'open' }), syntheticTrafficResults({ sampleSeed: 22, mode: 'open' })), THROUGHPUT);
  assert.is(m.verdict, 'unchanged');
  assert.is(m.method, 'offered-load');
  assert.match(m.reason, 'both runs kept up with the offered 400 tx/s');
});

test('an open-loop run that fell behind its schedule is judged on its per-second throughput and regressed', () => {
  const base = syntheticTrafficResults({ sampleSeed: 23, mode: 'open', rate: 400 });
  const cur = syntheticTrafficResults({ sampleSeed: 24, mode: 'open', targetRate: 400, rate: 240 });
  const m = metric(compareResults(base, cur), THROUGHPUT);
  assert.is(m.method, 'rank-test');
  assert.is(m.verdict, 'regressed', m.reason);
});

test('errors going from 0 to 2 % of attempts are a regression', () => {
  const c = compareResults(syntheticTrafficResults({ sampleSeed: 25 }), syntheticTrafficResults({ sampleSeed: 26, errorRate: 0.02 }));
  const m = metric(c, ERROR_RATE);
  assert.is(m.verdict, 'regressed', m.reason);
  assert.is(m.baseline, 0);
  assert.ok(m.current! > 1.5 && m.current! < 2.5, `current ${m.current} %`);
});

test('a 2 % error rate the per-second median would hide (most seconds at 30 tx/s have none) is still a regression', () => {
  const cur = syntheticTrafficResults({ sampleSeed: 28, rate: 30, errorRate: 0.02 });
  const seconds = cur.traffic!.series;
  assert.ok(seconds.filter((s) => s.errors === 0).length > seconds.length / 2, 'the median second has no error');
  const m = metric(compareResults(syntheticTrafficResults({ sampleSeed: 27, rate: 30 }), cur), ERROR_RATE);
  assert.is(m.verdict, 'regressed', m.reason);
});

test('no errors in either run: the error rate is unchanged, not inconclusive', () => {
  const m = metric(compareResults(syntheticTrafficResults({ sampleSeed: 29 }), syntheticTrafficResults({ sampleSeed: 30 })), ERROR_RATE);
  assert.is(m.verdict, 'unchanged', m.reason);
});

test('an error rate change under the 0.1-point noise floor is unchanged', () => {
  const m = metric(compareResults(syntheticTrafficResults({ sampleSeed: 31 }), syntheticTrafficResults({ sampleSeed: 32, errorRate: 0.0004 })), ERROR_RATE);
  assert.is(m.verdict, 'unchanged', m.reason);
  assert.match(m.reason, 'noise floor');
});

test('a partial baseline load test is refused with exit code 2', () => {
  const err = refusal(() => compareResults(syntheticTrafficResults({ sampleSeed: 33, partial: true }), syntheticTrafficResults({ sampleSeed: 34 })));
  assert.is(err.code, 'UNUSABLE_INPUT');
  assert.is(err.exitCode, 2);
  assert.match(err.message, 'the baseline load test ended early (interrupted (SIGINT))');
  assert.match(err.message, 'a partial run cannot be a baseline');
});

test('a partial current run is compared, with a warning', () => {
  const c = compareResults(syntheticTrafficResults({ sampleSeed: 35 }), syntheticTrafficResults({ sampleSeed: 36, partial: true }));
  assert.ok(c.warnings.some((w) => w.startsWith('the current load test ended early')), c.warnings.join('\n'));
});

test('another workload is refused', () => {
  const cur = syntheticTrafficResults({ sampleSeed: 38 });
  cur.traffic!.workload = { kind: 'script', name: 'tpcb', sources: ['tpcb.sql@1'] };
  const err = refusal(() => compareResults(syntheticTrafficResults({ sampleSeed: 37 }), cur));
  assert.match(err.message, 'load test workload differs (baseline mix platform, current script tpcb)');
});

test('a client-bound run warns that throughput measures the client, and its throughput is inconclusive', () => {
  const c = compareResults(syntheticTrafficResults({ sampleSeed: 39 }), syntheticTrafficResults({ sampleSeed: 40, clientBound: true }));
  assert.ok(
    c.warnings.some((w) => w.startsWith('the client was the limit in the current load test') && w.includes('the throughput comparison measures the client')),
    c.warnings.join('\n'),
  );
  const m = metric(c, THROUGHPUT);
  assert.is(m.verdict, 'inconclusive');
  assert.match(m.reason, 'the load generator');
  assert.match(renderComparisonMarkdown(c), '> ⚠️ the client was the limit in the current load test');
});

test('a load test only in the baseline is a warning and missing metrics, not a regression', () => {
  const base = syntheticResults({ sampleSeed: 41 });
  base.traffic = syntheticTraffic({ sampleSeed: 41 });
  const c = compareResults(base, syntheticResults({ sampleSeed: 42 }));
  assert.ok(c.warnings.includes('a load test (traffic) only in the baseline: its metrics are missing in the current run'), c.warnings.join('\n'));
  const traffic = c.metrics.filter((m) => m.scenario === 'traffic');
  assert.is(traffic.length, 6);
  assert.ok(traffic.every((m) => m.method === 'missing' && m.verdict === 'inconclusive'));
});

test('a load test only in the current run is a warning and new metrics', () => {
  const cur = syntheticResults({ sampleSeed: 44 });
  cur.traffic = syntheticTraffic({ sampleSeed: 44 });
  const c = compareResults(syntheticResults({ sampleSeed: 43 }), cur);
  assert.ok(c.warnings.some((w) => w.startsWith('a load test (traffic) only in the current run')));
  assert.ok(c.metrics.filter((m) => m.scenario === 'traffic').every((m) => m.reason === 'new metric: not in the baseline'));
});

test("a load test's latencies stay out of the benchmark's run-wide latency shift", () => {
  const base = syntheticTrafficResults({ sampleSeed: 45, withScenarios: true });
  const cur = syntheticTrafficResults({ sampleSeed: 46, withScenarios: true, slowdown: { 'read-conversation': 2, 'send-message': 2, 'approve-task': 2 } });
  const c = compareResults(base, cur);
  const withoutTraffic = compareResults(syntheticResults({ sampleSeed: 45 }), syntheticResults({ sampleSeed: 46 }));
  assert.is(c.latencyShift!.metrics, withoutTraffic.latencyShift!.metrics);
  assert.ok(metric(c, 'traffic/-/latency/p99').shift === undefined);
  assert.is(metric(c, 'traffic/-/latency/p99').verdict, 'regressed');
});

test('a --threshold override on the error rate wins over the traffic default', () => {
  const config = applyThresholdFlag(DEFAULT_GATE_CONFIG, 'traffic/-/errors/rate=25%:5');
  const m = metric(compareResults(syntheticTrafficResults({ sampleSeed: 47 }), syntheticTrafficResults({ sampleSeed: 48, errorRate: 0.02 }), { config }), ERROR_RATE);
  assert.is(m.threshold!.absolute, 5);
  assert.is(m.verdict, 'unchanged');
});

test('the bootstrap interval of a difference of means brackets it, excludes zero for a clear change, and is seeded', () => {
  const a = Array.from({ length: 60 }, (_, i) => (i % 10 === 0 ? 1 : 0)); // mean 0.1
  const b = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? 3 : 1)); // mean 2
  const r = bootstrapMeanDifference(a, b, { seed: 3, confidence: 0.99 });
  assert.ok(Math.abs(r.difference - 1.9) < 1e-12);
  assert.ok(r.lower > 0 && r.lower < 1.9 && r.upper > 1.9, `${r.lower} … ${r.upper}`);
  assert.equal(bootstrapMeanDifference(a, b, { seed: 3, confidence: 0.99 }), r);
  const same = bootstrapMeanDifference(a, a, { seed: 3, band: [-0.05, 0.05] });
  assert.ok(same.lower < 0 && same.upper > 0);
  assert.ok(same.fractionInBand! > 0.5);
});

test.run();
