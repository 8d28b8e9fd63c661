/**
 * `pgscale merge` on synthetic parts (real HdrHistograms, seeded latencies): the merge's
 * counts are the parts' sums, its percentiles those of the parts' histograms added up
 * here independently, its seconds those of the parts' second histograms; the merged
 * document is valid, renders, and compares with a whole run; wrong inputs are refused.
 */
import * as hdr from 'hdr-histogram-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeParts, type PartDocument } from '../../bench/traffic/merge.ts';
import { PgscaleError } from '../../core/errors.ts';
import { checkComparable } from '../../reports/fingerprint.ts';
import { compareResults } from '../../reports/compare.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { parseResults, type Results, type TrafficPart } from '../../reports/schema.ts';
import { syntheticTrafficResults } from '../fixtures/synthetic-traffic.ts';

const START = Date.parse('2025-06-01T12:00:00.000Z');

/** Part `index` of `count` of an open-loop run of 400 tx/s over 40 connections. */
function part(index: number, count: number, over: Partial<TrafficPart> = {}, opts: { secondHistograms?: boolean } = {}): PartDocument {
  const doc = syntheticTrafficResults({ sampleSeed: 10 + index, mode: 'open', rate: 400 / count, clients: Math.ceil(40 / count), seconds: 20, secondHistograms: opts.secondHistograms ?? true, slo: true });
  doc.traffic!.part = { index, count, of: { clients: 40, rate: 400 }, windowStartedAt: new Date(START + index * 150).toISOString(), host: `client-${index}`, ...over };
  return { file: `part${index}/results.json`, results: parseResults(doc) };
}

/** The parts' encoded histograms, added into one here (not through the merge's code). */
function combined(encoded: string[]): hdr.Histogram {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  for (const e of encoded) h.add(hdr.decodeFromCompressedBase64(e));
  return h;
}

const at = (h: hdr.Histogram, q: number) => Math.min(h.getValueAtPercentile(q), h.maxValue) / 1000;

function refusal(parts: PartDocument[]): PgscaleError {
  try {
    mergeParts(parts);
  } catch (err) {
    assert.instance(err, PgscaleError);
    return err as PgscaleError;
  }
  return assert.unreachable('the merge was expected to refuse these parts') as never;
}

const parts = [part(1, 2), part(2, 2)];
const merged = mergeParts(parts).results;
const t = merged.traffic!;
const ts = parts.map((p) => p.results.traffic!);

test("the merge's transactions, errors and retries are the sums of its parts', overall and per transaction type", () => {
  assert.is(t.transactions, ts[0].transactions + ts[1].transactions);
  assert.is(t.errors, ts[0].errors + ts[1].errors);
  assert.is(t.retries, ts[0].retries + ts[1].retries);
  t.perTransaction.forEach((x, i) => assert.is(x.transactions, ts[0].perTransaction[i].transactions + ts[1].perTransaction[i].transactions, x.name));
  assert.is(t.clients, 40);
  assert.is(t.targetRate, ts[0].targetRate! + ts[1].targetRate!);
  assert.is(t.mergedFrom?.map((p) => p.index).join(','), '1,2');
});

test("the merge's percentiles are those of the parts' histograms added together", () => {
  const h = combined(ts.map((x) => x.histogram));
  assert.is(h.totalCount, t.transactions);
  for (const [q, key] of [[50, 'p50'], [90, 'p90'], [99, 'p99'], [99.9, 'p999']] as const) assert.is(t.latencyMs[key], at(h, q), key);
  assert.is(t.latencyMs.max, h.maxValue / 1000);
  t.perTransaction.forEach((x, i) => assert.is(x.latencyMs.p99, at(combined(ts.map((p) => p.perTransaction[i].histogram)), 99), x.name));
});

test("each merged second sums the parts' second and takes its percentiles from their second histograms", () => {
  assert.is(t.series.length, 20);
  for (const s of t.series) {
    const xs = ts.map((p) => p.series.find((y) => y.second === s.second)!);
    assert.is(s.transactions, xs[0].transactions + xs[1].transactions);
    assert.is(s.offered, xs[0].offered! + xs[1].offered!);
    const h = combined(xs.map((x) => x.histogram!));
    assert.is(s.p99Ms, at(h, 99), `second ${s.second}`);
    assert.is(s.maxMs, h.maxValue / 1000);
  }
});

test('the merged document is valid, renders, and compares with a whole run of the same load as if one client had run', () => {
  const again = parseResults(JSON.parse(JSON.stringify(merged)));
  assert.not.ok(again.traffic?.part);
  assert.match(renderMarkdown(again), /tx\/s|transactions/);
  const whole: Results = syntheticTrafficResults({ sampleSeed: 3, mode: 'open', rate: 400, clients: 40, seconds: 20, slo: true });
  assert.equal(checkComparable(whole, again).problems, []);
  const report = compareResults(whole, again);
  assert.ok(report.metrics.some((m) => m.id === 'traffic/-/latency/p99'));
});

test('a part given twice is refused, naming both files', () => {
  const err = refusal([part(1, 2), { ...part(1, 2), file: 'again/results.json' }]);
  assert.match(err.message, /part 1\/2 was given twice \(part1\/results.json and again\/results.json\)/);
});

test('a missing part is refused, naming it', () => {
  assert.match(refusal([part(1, 3), part(3, 3)]).message, /part 2\/3 is missing/);
});

test('parts of different runs are refused: another offered load, or windows that never overlapped', () => {
  assert.match(refusal([part(1, 2), part(2, 2, { of: { clients: 40, rate: 500 } })]).message, /parts of different runs: the whole run \(connections, rate, stages\) differs/);
  assert.match(refusal([part(1, 2), part(2, 2, { windowStartedAt: new Date(START + 3_600_000).toISOString() })]).message, /measurement windows do not overlap/);
});

test('a whole run, or parts without per-second histograms, are refused', () => {
  const whole = { file: 'whole/results.json', results: syntheticTrafficResults({ seconds: 5 }) };
  assert.match(refusal([whole, part(1, 2)]).message, /whole load test, not a part/);
  assert.match(refusal([part(1, 2, {}, { secondHistograms: false }), part(2, 2)]).message, /no per-second histograms/);
});

test('parts whose windows opened seconds apart merge with a warning saying so', () => {
  const { warnings } = mergeParts([part(1, 2), part(2, 2, { windowStartedAt: new Date(START + 4_000).toISOString() })]);
  assert.ok(warnings.some((w) => /opened 3\.9 s apart/.test(w)), warnings.join('\n'));
});

test.run();
