/**
 * Shard layouts in results files: `compare` and `merge` refuse runs on different layouts
 * (naming both), and merge the per-shard figures of a sharded run's parts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeParts, type PartDocument } from '../../bench/traffic/merge.ts';
import { PLACEMENT } from '../../db/placement.ts';
import { compareResults } from '../../reports/compare.ts';
import { describeLayout } from '../../reports/fingerprint.ts';
import { type Results, parseResults } from '../../reports/schema.ts';
import { syntheticTrafficResults } from '../fixtures/synthetic-traffic.ts';
import { refusal } from '../support/gate.ts';
import { resultsLayout } from '../../cli/traffic-shards.ts';

/** A load test's results on `shards` shards (undefined: one server), its transactions spread over them. */
function run(shards: number | undefined, sampleSeed = 1): Results {
  const doc = syntheticTrafficResults({ sampleSeed });
  const t = doc.traffic!;
  if (shards !== undefined) {
    doc.shardLayout = resultsLayout(shards);
    const each = Math.floor(t.transactions / shards);
    t.shards = {
      ...resultsLayout(shards),
      crossShardTransactions: 0,
      perShard: Array.from({ length: shards }, (_, i) => {
        const transactions = i === 0 ? t.transactions - each * (shards - 1) : each;
        return { shard: i + 1, transactions, errors: i, rate: transactions / t.durationSeconds };
      }),
    };
  }
  return parseResults(doc);
}

test('compare refuses a sharded run against a one-server run, naming both layouts', () => {
  const err = refusal(() => compareResults(run(undefined, 1), run(2, 2)));
  assert.is(err.code, 'UNUSABLE_INPUT');
  assert.match(err.message, `baseline: one server; current: 2 shards by ${PLACEMENT}`);
});

test('compare refuses runs on different shard counts', () => {
  const err = refusal(() => compareResults(run(2, 1), run(3, 2)));
  assert.match(err.message, `baseline: 2 shards by ${PLACEMENT}; current: 3 shards by ${PLACEMENT}`);
});

test('compare accepts two runs on the same shard layout', () => {
  const c = compareResults(run(2, 1), run(2, 2));
  assert.ok(c.metrics.length > 0);
});

test('the results schema keeps the layout and no server address', () => {
  const r = run(2);
  assert.equal(Object.keys(r.shardLayout!).sort(), ['count', 'placement']);
  assert.is(describeLayout(undefined), 'one server');
});

/** Part `index` of 2 of one split run, on `shards` shards. */
function part(index: number, shards: number | undefined): PartDocument {
  const results = run(shards, 10 + index);
  results.traffic!.part = { index, count: 2, of: { clients: results.traffic!.clients * 2, rate: null }, windowStartedAt: new Date(Date.parse('2025-06-01T12:00:00Z') + index * 100).toISOString() };
  for (const x of [results.traffic!, ...results.traffic!.perTransaction]) for (const s of x.series) s.histogram ??= results.traffic!.histogram;
  return { file: `part${index}/results.json`, results };
}

test('merge refuses parts run on different shard layouts, naming both', () => {
  const err = refusal(() => mergeParts([part(1, 2), part(2, undefined)]));
  assert.is(err.code, 'UNUSABLE_INPUT');
  assert.match(err.message, `the shard layout differs (2 shards by ${PLACEMENT} / one server)`);
});

test("merge sums each shard's transactions, errors and rate over the parts, and keeps the layout", () => {
  const parts = [part(1, 2), part(2, 2)];
  const merged = mergeParts(parts).results;
  const sh = merged.traffic!.shards!;
  assert.equal(merged.shardLayout, resultsLayout(2));
  for (const s of [0, 1]) {
    const of = parts.map((p) => p.results.traffic!.shards!.perShard[s]);
    assert.is(sh.perShard[s].transactions, of[0].transactions + of[1].transactions);
    assert.is(sh.perShard[s].errors, of[0].errors + of[1].errors);
    assert.is(sh.perShard[s].rate, of[0].rate + of[1].rate);
  }
  assert.is(sh.perShard[0].transactions + sh.perShard[1].transactions, merged.traffic!.transactions);
});

test.run();
