import * as hdr from 'hdr-histogram-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toGithubActionBenchmark } from '../../reports/exporters.ts';
import { extractMetrics } from '../../reports/metrics.ts';
import { Traffic } from '../../reports/schema.ts';
import { trafficMetrics, windowSeconds } from '../../reports/traffic-metrics.ts';
import { decodeHistogram, percentileSpectrum, spectrumReach, spectrumTicks } from '../../reports/traffic-spectrum.ts';
import { DEFAULT_MIX, syntheticTraffic, syntheticTrafficResults } from '../fixtures/synthetic-traffic.ts';

const traffic = syntheticTraffic({ sampleSeed: 7 });

test('the synthetic load test is schema-valid and its histograms decode to its counts', () => {
  assert.ok(Traffic.safeParse(traffic).success);
  const overall = hdr.decodeFromCompressedBase64(traffic.histogram);
  assert.is(overall.totalCount, traffic.transactions);
  const perTx = traffic.perTransaction.map((x) => hdr.decodeFromCompressedBase64(x.histogram).totalCount);
  assert.is(perTx.reduce((a, b) => a + b, 0), traffic.transactions);
  assert.is(traffic.series.length, 60);
  assert.ok(Math.abs(overall.getValueAtPercentile(99) / 1000 - traffic.latencyMs.p99) < 1e-9, 'latencyMs comes from the histogram');
});

test('a load test yields throughput, p99 overall and per transaction type, and the error rate, each with one sample per second', () => {
  const metrics = trafficMetrics(traffic);
  assert.equal(
    metrics.map((m) => m.id),
    ['traffic/-/throughput/transactions', 'traffic/-/latency/p99', ...DEFAULT_MIX.map((x) => `traffic/${x.name}/latency/p99`), 'traffic/-/errors/rate'],
  );
  for (const m of metrics) assert.is(m.samples?.length, 60, m.id);
  const throughput = metrics[0];
  assert.is(throughput.direction, 'bigger');
  assert.is(throughput.value, traffic.achievedRate);
  assert.is(metrics[1].value, traffic.latencyMs.p99, 'the overall p99 is the value shown');
  assert.is(metrics.at(-1)!.effect, 'mean', 'the error rate is judged on its mean');
});

test('extractMetrics includes the load test after the scenarios', () => {
  const doc = syntheticTrafficResults({ sampleSeed: 8, withScenarios: true });
  const ids = extractMetrics(doc).map((m) => m.id);
  assert.ok(ids.length > 300);
  assert.is(ids.at(-1), 'traffic/-/errors/rate');
  assert.ok(ids.indexOf('traffic/-/throughput/transactions') > ids.findLastIndex((id) => id.startsWith('n-plus-one/')));
});

test('a last second cut short is left out of the window, and a second the series lacks counts as zero throughput', () => {
  const t = structuredClone(traffic);
  t.durationSeconds = 59.4; // the run ended 0.4 s into second 59
  t.series = t.series.filter((s) => s.second !== 30); // nothing recorded in second 30
  assert.is(windowSeconds(t), 59);
  const throughput = trafficMetrics(t).find((m) => m.kind === 'throughput')!;
  assert.is(throughput.samples!.length, 59);
  assert.is(throughput.samples![30], 0);
  assert.is(trafficMetrics(t).find((m) => m.id === 'traffic/-/latency/p99')!.samples!.length, 58, 'no p99 for a second without completions');
});

test('the error-rate samples are percentages of the attempts in each second', () => {
  const t = syntheticTraffic({ sampleSeed: 9, errorRate: 0.05 });
  const rate = trafficMetrics(t).find((m) => m.id === 'traffic/-/errors/rate')!;
  const s = t.series[3];
  assert.ok(Math.abs(rate.samples![3] - (100 * s.errors) / (s.transactions + s.errors)) < 1e-12);
  assert.ok(Math.abs(rate.value - 5) < 1, `overall ${rate.value} %`);
});

test('github-action-benchmark bigger-is-better entries include the load test throughput', () => {
  const entries = toGithubActionBenchmark(syntheticTrafficResults({ sampleSeed: 10 }), 'customBiggerIsBetter');
  assert.equal(entries.map((e) => e.name), ['traffic throughput']);
});

test('the spectrum axis is labelled 0% to 99.99%, and 99.999% only when the data reach it', () => {
  assert.equal(spectrumTicks(spectrumReach(24_000)).map((t) => t.label), ['0%', '90%', '99%', '99.9%', '99.99%']);
  assert.equal(spectrumTicks(spectrumReach(150_000)).map((t) => t.label), ['0%', '90%', '99%', '99.9%', '99.99%', '99.999%']);
  assert.is(spectrumReach(50), 4, 'a short run still reads on the usual scale');
});

test('the spectrum at 2 (99 %) is the histogram p99, in ms', () => {
  const decoded = decodeHistogram(traffic.histogram);
  assert.ok('histogram' in decoded);
  const points = percentileSpectrum(decoded.histogram, 4);
  const at99 = points.find((p) => Math.abs(p.x - 2) < 1e-9)!;
  assert.ok(Math.abs(at99.ms - traffic.latencyMs.p99) < 1e-9, `${at99.ms} vs ${traffic.latencyMs.p99}`);
  assert.is(points[0].x, 0);
  assert.is(points.at(-1)!.x, 4);
  assert.ok(points.every((p, i) => i === 0 || p.ms >= points[i - 1].ms), 'latency never falls with the percentile');
});

test('a histogram that does not decode is reported, not thrown', () => {
  const decoded = decodeHistogram('not-a-histogram');
  assert.ok('error' in decoded);
  assert.match(decoded.error, 'histogram not decodable');
});

test.run();
