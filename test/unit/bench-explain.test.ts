import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ExplainJson, explain, summarizePlan, usesIndex } from '../../bench/explain.ts';
import { createSchema } from '../../db/schema.ts';
import { GENERATOR_VERSION } from '../../generators/index.ts';
import { dropSchema, testClient, uniqueSchema } from '../support/db.ts';

/** A parallel bitmap scan as PostgreSQL 18 prints it: the workers report their own heap pages. */
const PARALLEL: ExplainJson = {
  Plan: {
    'Node Type': 'Aggregate',
    'Actual Rows': 1,
    'Shared Hit Blocks': 10,
    'Shared Read Blocks': 5,
    Plans: [
      {
        'Node Type': 'Gather',
        Plans: [
          {
            'Node Type': 'Append',
            'Subplans Removed': 2,
            Plans: [
              {
                'Node Type': 'Bitmap Heap Scan',
                'Relation Name': 'm_2025_06',
                'Exact Heap Blocks': 3,
                'Lossy Heap Blocks': 0,
                Workers: [{ 'Worker Number': 0, 'Exact Heap Blocks': 1, 'Lossy Heap Blocks': 40 }],
                Plans: [{ 'Node Type': 'Bitmap Index Scan', 'Index Name': 'm_2025_06_at_idx' }],
              },
              { 'Node Type': 'Seq Scan', 'Relation Name': 'm_2025_07' },
            ],
          },
        ],
      },
    ],
  },
  'Planning Time': 0.2,
  'Execution Time': 1.5,
};

test('summarizePlan lists node types once, indexes, buffers and times', () => {
  const s = summarizePlan(PARALLEL);
  assert.equal(s.nodeTypes, ['Aggregate', 'Gather', 'Append', 'Bitmap Heap Scan', 'Bitmap Index Scan', 'Seq Scan']);
  assert.equal(s.indexes, ['m_2025_06_at_idx']);
  assert.is(s.sharedHit, 10);
  assert.is(s.sharedRead, 5);
  assert.is(s.executionMs, 1.5);
  assert.is(s.partitionsScanned, 2);
  assert.is(s.partitionsPruned, 2, 'run-time pruning (Subplans Removed)');
});

test('summarizePlan adds the parallel workers\' heap blocks to the leader\'s', () => {
  const s = summarizePlan(PARALLEL);
  assert.is(s.heapBlocksExact, 4);
  assert.is(s.heapBlocksLossy, 40);
});

test('a plan without a bitmap scan reports no heap block counts', () => {
  const s = summarizePlan({ Plan: { 'Node Type': 'Seq Scan', 'Relation Name': 't' } });
  assert.is(s.heapBlocksExact, undefined);
  assert.is(s.heapBlocksLossy, undefined);
});

const schema = uniqueSchema('explain');

test('explain resolves partition indexes to their parent and counts pruned partitions', async () => {
  const c = await testClient();
  try {
    await createSchema(c, schema, { scale: 1, seed: 1, months: 1, enums: 'smallint', generatorVersion: GENERATOR_VERSION });
    await c.query(`CREATE TABLE ${schema}.ev (at date, v int) PARTITION BY RANGE (at)`);
    for (const m of [1, 2, 3, 4]) {
      await c.query(`CREATE TABLE ${schema}.ev_${m} PARTITION OF ${schema}.ev FOR VALUES FROM ('2025-0${m}-01') TO ('2025-0${m + 1}-01')`);
    }
    await c.query(`INSERT INTO ${schema}.ev SELECT date '2025-01-01' + (g % 110), g FROM generate_series(1, 4000) g`);
    await c.query(`CREATE INDEX ev_at ON ${schema}.ev (at)`);
    await c.query(`ANALYZE ${schema}.ev`);
    await c.query('SET enable_seqscan = off');
    const { plan, summary } = await explain(c, `SELECT sum(v) FROM ${schema}.ev WHERE at >= $1 AND at < $2`, ['2025-02-03', '2025-02-05'], { schema });
    assert.ok(plan.Plan, 'the JSON plan is kept');
    assert.is(summary.partitionsScanned, 1);
    assert.is(summary.partitionsPruned, 3);
    assert.ok(summary.indexes.some((n) => n.startsWith('ev_2_')), `partition index used: ${summary.indexes}`);
    assert.equal(summary.parentIndexes, ['ev_at']);
    assert.ok(usesIndex(summary, 'ev_at'));
    assert.not.ok(usesIndex(summary, 'other_index'));
    assert.ok((summary.executionMs ?? 0) > 0 && summary.sharedHit !== undefined, 'ANALYZE and BUFFERS figures');
  } finally {
    await c.end();
    await dropSchema(schema);
  }
});

test('an EXPLAIN ANALYZE over its cap is cut off and the plain EXPLAIN is kept, marked as capped', async () => {
  const c = await testClient();
  try {
    const t0 = performance.now();
    const { plan, summary } = await explain(c, 'SELECT pg_sleep(5)', [], { capMs: 100 });
    const elapsed = performance.now() - t0;
    assert.ok(elapsed < 2500, `took ${elapsed.toFixed(0)} ms: ANALYZE was not cut off at 100 ms`);
    assert.ok(plan.Plan, 'a plan all the same');
    assert.is(summary.analyzed, false);
    assert.is(summary.cappedAtMs, 100);
    assert.is(summary.executionMs, undefined, 'estimates only');
    const after = await c.query<{ statement_timeout: string }>('SHOW statement_timeout');
    assert.is(after.rows[0].statement_timeout, '0', 'the connection\'s statement_timeout is put back');
    const quick = await explain(c, 'SELECT 1', [], { capMs: 1000 });
    assert.is(quick.summary.analyzed, true);
    assert.is(quick.summary.cappedAtMs, undefined);
  } finally {
    await c.end();
  }
});

test.run();
