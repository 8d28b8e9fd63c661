import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from '../../db/load.ts';
import { PgscaleError } from '../../core/errors.ts';
import { dropOwnedSchema } from '../../db/schema.ts';
import { checksums, counts } from '../support/data.ts';
import { dropSchema, testClient, testTarget, uniqueSchema } from '../support/db.ts';

const data = { scale: 20_000, seed: 7, months: 3 };
const a = uniqueSchema('load_a');
const b = uniqueSchema('load_b');
let summaryA: Awaited<ReturnType<typeof load>>;

test.before(async () => {
  const target = await testTarget();
  summaryA = await load(target, { schema: a, data, enums: 'smallint', jobs: 2, fresh: false });
});

test.after(async () => {
  await dropSchema(a);
  await dropSchema(b);
});

test('the load summary counts match count(*) of every table', async () => {
  const c = await testClient();
  try {
    assert.equal(await counts(c, a), summaryA.rows);
    assert.is(summaryA.rows.message_history, data.scale);
    assert.ok(summaryA.rows.user_sessions! > 0 && summaryA.rows.task_approvals! > 0);
  } finally {
    await c.end();
  }
});

test('the same seed and scale in a fresh schema give identical table contents', async () => {
  await load(await testTarget(), { schema: b, data, enums: 'smallint', jobs: 1, fresh: false });
  const c = await testClient();
  try {
    assert.equal(await checksums(c, b), await checksums(c, a));
  } finally {
    await c.end();
  }
});

test('message_history lands in monthly partitions and the DEFAULT partition stays empty', async () => {
  const c = await testClient();
  try {
    const r = await c.query<{ part: string; n: string }>(
      `SELECT tableoid::regclass::text AS part, count(*) AS n FROM "${a}".message_history GROUP BY 1 ORDER BY 1`,
    );
    const parts = Object.fromEntries(r.rows.map((x) => [x.part.split('.').pop(), Number(x.n)]));
    assert.equal(Object.keys(parts).filter((p) => p !== 'message_history_2025_04'), ['message_history_2025_01', 'message_history_2025_02', 'message_history_2025_03']);
    assert.not.ok(parts.message_history_default, 'nothing in the DEFAULT partition');
    const ev = await c.query(`SELECT count(*) AS n FROM "${a}".analytics_events_default`);
    assert.is(Number(ev.rows[0].n), 0);
  } finally {
    await c.end();
  }
});

test('message text with tabs, newlines, backslashes and multi-byte characters reads back unchanged', async () => {
  const c = await testClient();
  try {
    const r = await c.query<{ tabs: string; nls: string; bs: string; mb: string; emoji: string }>(
      `SELECT count(*) FILTER (WHERE content LIKE '%' || E'\\t' || '%') AS tabs,
              count(*) FILTER (WHERE content LIKE '%' || E'\\n' || '%') AS nls,
              count(*) FILTER (WHERE strpos(content, E'\\\\') > 0) AS bs,
              count(*) FILTER (WHERE octet_length(content) > char_length(content)) AS mb,
              count(*) FILTER (WHERE content ~ '[\\U0001F300-\\U0001FAFF]') AS emoji
         FROM "${a}".message_history`,
    );
    const row = r.rows[0];
    for (const [k, v] of Object.entries(row)) assert.ok(Number(v) > 0, `${k}: ${v}`);
    // The exact bytes of one pool entry with all of them survive.
    const ex = await c.query<{ content: string }>(
      `SELECT content FROM "${a}".message_history WHERE content LIKE 'id' || E'\\t' || 'name%' LIMIT 1`,
    );
    assert.match(ex.rows[0].content, /^id\tname\tamount\n1\t.+\t[\d.]+\n2\t/);
  } finally {
    await c.end();
  }
});

test('a second load with the same parameters reuses the complete data set', async () => {
  const s = await load(await testTarget(), { schema: a, data, enums: 'smallint', jobs: 2, fresh: false });
  assert.ok(s.reused);
  assert.is(s.loadedChunks, 0);
});

test('a load with another seed into an existing schema is refused without --fresh', async () => {
  try {
    await load(await testTarget(), { schema: a, data: { ...data, seed: 8 }, enums: 'smallint', jobs: 1, fresh: false });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, PgscaleError);
    assert.is((err as PgscaleError).code, 'MISMATCH');
    assert.match((err as PgscaleError).hint ?? '', '--fresh');
  }
});

test('pgscale refuses to load into, or drop, a schema it did not create', async () => {
  const foreign = uniqueSchema('foreign');
  const c = await testClient();
  try {
    await c.query(`CREATE SCHEMA ${foreign}`);
    await c.query(`CREATE TABLE ${foreign}.precious (x int)`);
    await c.query(`INSERT INTO ${foreign}.precious VALUES (1)`);
    for (const attempt of [
      async () => load(await testTarget(), { schema: foreign, data, enums: 'smallint', jobs: 1, fresh: true }),
      () => dropOwnedSchema(c, foreign),
    ]) {
      try {
        await attempt();
        assert.unreachable();
      } catch (err) {
        assert.is((err as PgscaleError).code, 'NOT_OWNED', String(err));
      }
    }
    const left = await c.query(`SELECT count(*) AS n FROM ${foreign}.precious`);
    assert.is(Number(left.rows[0].n), 1, 'the foreign table is untouched');
  } finally {
    await c.query(`DROP SCHEMA ${foreign} CASCADE`);
    await c.end();
  }
});

test('pgscale refuses to drop its schema while a view outside it depends on its tables', async () => {
  const owned = uniqueSchema('dep_owned');
  const other = uniqueSchema('dep_other');
  await load(await testTarget(), { schema: owned, data: { scale: 2_000, seed: 1, months: 1 }, enums: 'enum', jobs: 1, fresh: false });
  const c = await testClient();
  try {
    await c.query(`CREATE SCHEMA ${other}`);
    await c.query(`CREATE VIEW ${other}.busy_tenants AS SELECT tenant_id, count(*) FROM ${owned}.user_sessions GROUP BY 1`);
    await c.query(`CREATE TABLE ${other}.mine (status ${owned}.task_status)`);
    try {
      await dropOwnedSchema(c, owned);
      assert.unreachable();
    } catch (err) {
      assert.is((err as PgscaleError).code, 'NOT_OWNED');
      assert.match((err as Error).message, /view .*busy_tenants/);
      assert.match((err as Error).message, /column status of table .*mine/);
    }
    const still = await c.query('SELECT to_regclass($1) IS NOT NULL AS v', [`${other}.busy_tenants`]);
    assert.ok(still.rows[0].v, 'the outside view is untouched');
    await c.query(`DROP SCHEMA ${other} CASCADE`);
    await dropOwnedSchema(c, owned);
  } finally {
    await c.query(`DROP SCHEMA IF EXISTS ${other} CASCADE`);
    await c.end();
  }
});

test('pgscale refuses the public schema', async () => {
  try {
    await load(await testTarget(), { schema: 'public', data, enums: 'smallint', jobs: 1, fresh: true });
    assert.unreachable();
  } catch (err) {
    assert.is((err as PgscaleError).code, 'USAGE');
  }
});

test.run();
