/**
 * partitioning's physics, on the test server at a small scale: directions that follow
 * from how PostgreSQL works, checked against the run's own measurements (no figures here).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspectSchema } from '../../db/schema.ts';
import { partitioning } from '../../scenarios/partitioning/index.ts';
import { datasetSchema } from '../../scenarios/runner.ts';
import { testClient } from '../support/db.ts';
import { scenarioRun, variant } from '../support/scenario-run.ts';

const RUN = scenarioRun('part', [partitioning]);
const scenario = () => RUN.scenario();

test('a day\'s range on the partitioned copy scans exactly one partition; the unpartitioned copy scans its one table', async () => {
  const s = await scenario();
  const part = variant(s, 'partitioned').queries.find((q) => q.name === 'range-day');
  const flat = variant(s, 'unpartitioned').queries.find((q) => q.name === 'range-day');
  assert.is(part?.planSummary?.partitionsScanned, 1);
  assert.ok((part?.planSummary?.partitionsPruned ?? 0) > 0, 'the other partitions were pruned');
  assert.is(flat?.planSummary?.partitionsScanned, 1);
});

test('a session looked up by session_id alone visits every partition of the partitioned copy', async () => {
  const s = await scenario();
  const q = variant(s, 'partitioned').queries.find((x) => x.name === 'session-messages');
  assert.is(q?.planSummary?.partitionsScanned, s.metrics?.partitions, 'every leaf, DEFAULT included');
  assert.ok((s.metrics?.partitions ?? 0) > 2, 'more than one month copied');
  assert.is(q?.planSummary?.actualRows, s.metrics?.sessionMessages, 'all the session\'s messages returned');
});

test('dropping a month writes far less WAL than deleting its rows and vacuuming', async () => {
  const s = await scenario();
  const drop = variant(s, 'partitioned').metrics.retentionWalBytes ?? 0;
  const del = variant(s, 'unpartitioned').metrics.retentionWalBytes ?? 0;
  assert.ok(drop > 0, `DROP wrote WAL (${drop} B)`);
  // The same month's rows; DELETE logs each of them, DROP only catalog rows and unlinks.
  assert.is(variant(s, 'partitioned').metrics.retentionRows, variant(s, 'unpartitioned').metrics.retentionRows);
  assert.ok(del > 5 * drop, `DELETE + VACUUM ${del} B vs DROP ${drop} B`);
});

test('the partitioned copy shrinks by the dropped month while DELETE + VACUUM leaves the table its size', async () => {
  const s = await scenario();
  const part = variant(s, 'partitioned').metrics;
  const flat = variant(s, 'unpartitioned').metrics;
  assert.ok(part.bytesAfterRetention! < part.bytesBeforeRetention!, 'partitioned shrinks');
  assert.ok(flat.bytesAfterRetention! >= flat.bytesBeforeRetention!, 'VACUUM returns no space from the middle of a table');
});

test('rows for a month created ahead land in its partition; rows past the created months land in DEFAULT and block that month\'s partition', async () => {
  const s = await scenario();
  const m = variant(s, 'partitioned').metrics;
  assert.ok((m.aheadRows ?? 0) > 0, 'rows in the month created ahead');
  assert.ok((m.defaultRows ?? 0) > 0, 'rows in DEFAULT');
  const notes = s.notes?.join(' ') ?? '';
  assert.match(notes, /landed in DEFAULT; creating that month's partition afterwards is refused \(SQLSTATE 23514/);
  assert.match(notes, /scans [\w.]*message_history_default/);
});

test('the scratch copy is dropped when the scenario ends', async () => {
  await scenario();
  const c = await testClient();
  try {
    assert.is((await inspectSchema(c, datasetSchema(RUN.prefix, RUN.data, 'part'))).exists, false);
  } finally {
    await c.end();
  }
});

test('clean up the data set this file loaded', () => RUN.cleanUp());

test.run();
