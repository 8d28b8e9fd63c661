/**
 * maintenance's physics, on the test server at a small scale: directions that follow from
 * how CLUSTER, REINDEX and PostgreSQL's lock levels work, checked against the run's own
 * measurements (no figures here).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspectSchema } from '../../db/schema.ts';
import { maintenance } from '../../scenarios/maintenance/index.ts';
import { datasetSchema } from '../../scenarios/runner.ts';
import { testClient } from '../support/db.ts';
import { scenarioRun, variant } from '../support/scenario-run.ts';

const RUN = scenarioRun('maint', [maintenance]);
const scenario = () => RUN.scenario();

test('after CLUSTER a session\'s messages lie on fewer heap blocks than before it', async () => {
  const s = await scenario();
  const before = variant(s, 'as-written').metrics;
  const after = variant(s, 'clustered').metrics;
  assert.ok((s.metrics?.sessionMessages ?? 0) > 2, 'the busiest session has a few messages');
  assert.ok(after.sessionHeapBlocks! < before.sessionHeapBlocks!, `busiest session: ${before.sessionHeapBlocks} → ${after.sessionHeapBlocks} blocks`);
  assert.ok(after.heapBlocksPerSession! < before.heapBlocksPerSession!, `every session: ${before.heapBlocksPerSession} → ${after.heapBlocksPerSession} blocks`);
  assert.ok(after.sessionBuffers! < before.sessionBuffers!, `the lookup's buffers: ${before.sessionBuffers} → ${after.sessionBuffers}`);
});

test('the session lookup returns all the session\'s messages at every stage', async () => {
  const s = await scenario();
  for (const v of s.variants) assert.is(v.queries.find((q) => q.name === 'session-messages')?.planSummary?.actualRows, s.metrics?.sessionMessages, v.name);
});

test('REINDEX moves no heap row and leaves the index no larger than the one grown by inserts', async () => {
  const s = await scenario();
  const before = variant(s, 'as-written').metrics;
  const after = variant(s, 'reindexed').metrics;
  assert.is(after.sessionHeapBlocks, before.sessionHeapBlocks);
  assert.ok(after.indexBytes! <= before.indexBytes!, `${before.indexBytes} → ${after.indexBytes} B`);
});

test('CLUSTER blocks a concurrent read and write; REINDEX CONCURRENTLY lets both through', async () => {
  const s = await scenario();
  const c = variant(s, 'clustered').metrics;
  const r = variant(s, 'reindexed').metrics;
  assert.is(c.readBlocked, 1);
  assert.is(c.writeBlocked, 1);
  assert.is(r.readBlocked, 0);
  assert.is(r.writeBlocked, 0);
  assert.ok(c.operationWalBytes! > 0 && r.operationWalBytes! > 0, 'both wrote WAL');
  assert.match(s.notes?.join(' ') ?? '', /CLUSTER with [^;]*AccessExclusiveLock/);
  assert.match(s.notes?.join(' ') ?? '', /REINDEX CONCURRENTLY with [^;.]*ShareUpdateExclusiveLock/);
});

test('the scratch copy is dropped when the scenario ends', async () => {
  await scenario();
  const c = await testClient();
  try {
    assert.is((await inspectSchema(c, datasetSchema(RUN.prefix, RUN.data, 'maint'))).exists, false);
  } finally {
    await c.end();
  }
});

test('clean up the data set this file loaded', () => RUN.cleanUp());

test.run();
