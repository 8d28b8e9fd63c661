import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findSize, indexSize, tableSizes } from '../../bench/sizes.ts';
import { createSchema } from '../../db/schema.ts';
import { GENERATOR_VERSION } from '../../generators/index.ts';
import { dropSchema, testClient, uniqueSchema } from '../support/db.ts';

const schema = uniqueSchema('sizes');

test.before(async () => {
  const c = await testClient();
  try {
    // An owned (pgscale-made) schema, so the suite may drop it afterwards.
    await createSchema(c, schema, { scale: 1, seed: 1, months: 1, enums: 'smallint', generatorVersion: GENERATOR_VERSION });
    await c.query(`SET search_path TO ${schema}`);
    await c.query(`CREATE TABLE parted (id int, at date, body text) PARTITION BY RANGE (at)`);
    await c.query(`CREATE TABLE parted_a PARTITION OF parted FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')`);
    await c.query(`CREATE TABLE parted_b PARTITION OF parted FOR VALUES FROM ('2025-02-01') TO ('2025-03-01')`);
    await c.query(`CREATE TABLE parted_c PARTITION OF parted FOR VALUES FROM ('2025-03-01') TO ('2025-04-01')`);
    // Long bodies go to TOAST (compressed poorly: md5 text is not repetitive).
    await c.query(`INSERT INTO parted SELECT g, date '2025-01-01' + (g % 89), (SELECT string_agg(md5((g * 1000 + k)::text), '') FROM generate_series(1, 100) k)
                     FROM generate_series(1, 3000) g`);
    await c.query(`CREATE INDEX parted_at_btree ON parted (at)`);
    await c.query(`CREATE INDEX parted_at_brin ON parted USING brin (at)`);
    await c.query(`CREATE TABLE plain (id int PRIMARY KEY, v text)`);
    await c.query(`INSERT INTO plain SELECT g, repeat('x', 50) FROM generate_series(1, 2000) g`);
    await c.query(`VACUUM ANALYZE parted`);
    await c.query(`VACUUM ANALYZE plain`);
  } finally {
    await c.end();
  }
});

test.after(async () => {
  await dropSchema(schema);
});

test('a partitioned table is summed over its partitions (the parent alone reports 0)', async () => {
  const c = await testClient();
  try {
    const sizes = await tableSizes(c, schema, 'parted', 3000);
    const parent = await c.query<{ b: string }>(`SELECT pg_relation_size($1::regclass) AS b`, [`${schema}.parted`]);
    assert.is(Number(parent.rows[0].b), 0, 'the parent has no storage');
    const leaves = await c.query<{ b: string }>(`SELECT sum(pg_total_relation_size(relid))::bigint AS b FROM pg_partition_tree($1::regclass)`, [`${schema}.parted`]);
    assert.is(findSize(sizes, 'parted', 'total')!.bytes, Number(leaves.rows[0].b));
    assert.ok(findSize(sizes, 'parted', 'table')!.bytes > 3 * 8192, 'heap of three partitions');
    assert.ok(findSize(sizes, 'parted', 'toast')!.bytes > 0, 'TOAST counted');
  } finally {
    await c.end();
  }
});

test('heap, TOAST and every index (BRIN free-space map included) add up to the total', async () => {
  const c = await testClient();
  try {
    const sizes = await tableSizes(c, schema, 'parted');
    const parts = sizes.filter((s) => s.kind !== 'total').reduce((a, s) => a + s.bytes, 0);
    assert.is(parts, findSize(sizes, 'parted', 'total')!.bytes);
    const btree = findSize(sizes, 'parted_at_btree', 'index');
    const brin = findSize(sizes, 'parted_at_brin', 'index');
    assert.ok(btree && brin, 'partition indexes grouped under the parent index names');
    assert.is(brin!.table, 'parted');
    assert.is(await indexSize(c, schema, 'parted_at_brin'), brin!.bytes);
    // Three partitions: three BRIN indexes, each a metapage, a revmap page, a regular page and an FSM.
    assert.ok(brin!.bytes >= 3 * 4 * 8192, `BRIN with its free-space maps: ${brin!.bytes}`);
  } finally {
    await c.end();
  }
});

test('a plain table (not listed by pg_partition_tree) stands for itself; bytes per row use the rows given', async () => {
  const c = await testClient();
  try {
    const sizes = await tableSizes(c, schema, 'plain', 2000);
    const total = findSize(sizes, 'plain', 'total')!;
    const direct = await c.query<{ b: string }>(`SELECT pg_total_relation_size($1::regclass) AS b`, [`${schema}.plain`]);
    assert.is(total.bytes, Number(direct.rows[0].b));
    assert.ok(total.bytes > 0);
    assert.is(total.bytesPerRow, total.bytes / 2000);
    assert.ok(findSize(sizes, 'plain_pkey', 'index'), 'its primary key is listed');
    const estimated = await tableSizes(c, schema, 'plain');
    assert.is(findSize(estimated, 'plain', 'table')!.rows, 2000, 'reltuples after ANALYZE when no row count is given');
  } finally {
    await c.end();
  }
});

test.run();
