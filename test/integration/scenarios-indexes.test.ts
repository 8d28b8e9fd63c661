/**
 * The physics of partial-index (and covering-index): directions certain by how
 * PostgreSQL stores and plans, checked on a real run at a small scale. The values come
 * from the run; only the directions are asserted.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Results, ScenarioResult, VariantResult } from '../../reports/schema.ts';
import { coveringIndex } from '../../scenarios/covering-index/index.ts';
import { partialIndex } from '../../scenarios/partial-index/index.ts';
import { datasetSchema, runScenarios } from '../../scenarios/runner.ts';
import { dropSchema, testTarget, uniqueSchema } from '../support/db.ts';

const DATA = { scale: 20_000, seed: 11, months: 12 };
const PREFIX = uniqueSchema('idx');
const LATENCY = { timeMs: 25, warmupMs: 5, minSamples: 3 };
const TRAFFIC = { stepSeconds: 1, warmupSeconds: 0.5 };

let results: Promise<Results> | undefined;
function run(): Promise<Results> {
  results ??= testTarget().then((target) => runScenarios(target, { data: DATA, scenarios: [partialIndex, coveringIndex], jobs: 2, schemaPrefix: PREFIX, latency: LATENCY, traffic: TRAFFIC }));
  return results;
}

async function scenario(name: string): Promise<ScenarioResult> {
  const s = (await run()).scenarios.find((x) => x.name === name);
  assert.ok(s, `${name} in the results`);
  assert.is(s!.status, 'ok', s!.error?.message);
  return s!;
}

function variant(s: ScenarioResult, name: string): VariantResult {
  const v = s.variants.find((x) => x.name === name);
  assert.ok(v, `${s.name} has variant ${name}`);
  return v!;
}

test('a partial index over a small share of rows is much smaller than the same index over all of them', async () => {
  const s = await scenario('partial-index');
  const share = s.metrics?.unreadSharePct ?? 100;
  assert.ok(share < 20, `the unread messages are a small share of the copy (${share.toFixed(1)} %)`);
  const partial = variant(s, 'partial').metrics.unreadBytes;
  const full = variant(s, 'full').metrics.unreadBytes;
  assert.ok(partial > 0 && full > 0, 'both sizes measured');
  // Entries scale with rows: at a few percent of them, well under half the size even with the page floor.
  assert.ok(partial * 3 < full, `partial ${partial} B vs full ${full} B`);
});

test('the partial index serves its query when the predicate is a constant, and a generic plan with the predicate as a parameter cannot use it', async () => {
  const s = await scenario('partial-index');
  const p = variant(s, 'partial');
  const literal = p.queries.find((q) => q.name === 'unread');
  assert.ok(literal?.planSummary?.parentIndexes?.includes('idx_messages_unread') || literal?.planSummary?.indexes.includes('idx_messages_unread'), JSON.stringify(literal?.planSummary));
  assert.is(p.metrics.unreadGenericUsesIndex, 0);
  assert.is(p.metrics.tasksGenericUsesIndex, 0);
  assert.is(variant(s, 'full').metrics.unreadGenericUsesIndex, 1, 'the full index serves the generic plan');
});

test('moving rows out of the predicate adds no entries to the partial index, but the full index takes new ones', async () => {
  const s = await scenario('partial-index');
  const p = variant(s, 'partial').metrics;
  const f = variant(s, 'full').metrics;
  assert.ok((p.burstTransactions ?? 0) > 0 && p.burstErrors === 0, `burst ran cleanly: ${p.burstTransactions} tx, ${p.burstErrors} errors`);
  assert.ok((p.tasksGrowthBytes ?? 0) <= (f.tasksGrowthBytes ?? 0), `tasks index growth partial ${p.tasksGrowthBytes} vs full ${f.tasksGrowthBytes}`);
  assert.match(s.finding, /smaller than the same indexes without WHERE/);
});

test('an index-only scan straight after VACUUM reports 0 heap fetches', async () => {
  const c = variant(await scenario('covering-index'), 'covering').metrics;
  assert.is(c.indexOnlyAfterVacuum, 1, 'the covering index serves the session list with an index-only scan');
  assert.is(c.heapFetchesAfterVacuum, 0);
});

test('updates that clear all-visible bits make the index-only scan fetch from the heap again', async () => {
  const c = variant(await scenario('covering-index'), 'covering').metrics;
  assert.ok((c.updatesApplied ?? 0) > 0, 'updates ran');
  assert.ok((c.heapFetchesAfterUpdates ?? 0) > 0, `heap fetches after ${c.updatesApplied} updates: ${c.heapFetchesAfterUpdates}`);
});

test('the covering index is larger than the plain one it extends', async () => {
  const s = await scenario('covering-index');
  assert.ok((variant(s, 'covering').metrics.indexBytes ?? 0) > (variant(s, 'plain').metrics.indexBytes ?? 0));
  assert.is(variant(s, 'plain').metrics.indexOnlyAfterVacuum, 0, 'the plain index needs the heap for title and counts');
});

test('clean up the data set this file loaded', async () => {
  await run().catch(() => undefined);
  await dropSchema(datasetSchema(PREFIX, DATA, 'smallint'));
});

test.run();
