import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DISTRIBUTION_COLUMN, citusIndexStatements, citusLayout, distributeStatements, schemaTables } from '../../db/citus.ts';
import { indexStatements, sameData } from '../../db/schema.ts';
import { TABLE_NAMES } from '../../generators/index.ts';

const schema = 'pgscale_citus';
const layout = citusLayout('smallint', schema);

test('every platform table is either distributed or a reference table, never both', () => {
  assert.equal([...layout.reference, ...layout.distributed].sort(), [...TABLE_NAMES].sort());
  assert.equal(layout.reference.filter((t) => layout.distributed.includes(t)), []);
});

test('tenants is the one reference table, because it has no tenant_id column', () => {
  assert.equal(layout.reference, ['tenants']);
});

test('every distributed table has a tenant_id column', () => {
  const tables = schemaTables('smallint', schema);
  for (const t of layout.distributed) {
    assert.ok(tables.find((x) => x.table === t)?.columns.includes(DISTRIBUTION_COLUMN), `${t} has no tenant_id`);
  }
});

test('reference tables come first, then the anchor in its own group, then the rest co-located with it', () => {
  const sql = distributeStatements(layout, schema);
  assert.is(sql.length, layout.reference.length + layout.distributed.length);
  assert.is(sql[0], `SELECT create_reference_table('${schema}.tenants')`);
  const [anchor, ...rest] = layout.distributed;
  assert.is(sql[1], `SELECT create_distributed_table('${schema}.${anchor}', 'tenant_id', colocate_with => 'none')`);
  assert.equal(
    sql.slice(2),
    rest.map((t) => `SELECT create_distributed_table('${schema}.${t}', 'tenant_id', colocate_with => '${schema}.${anchor}')`),
  );
});

test('every primary key and unique index of a distributed table includes tenant_id', () => {
  for (const style of ['smallint', 'varchar'] as const) {
    const { statements } = citusIndexStatements(style, schema, citusLayout(style, schema));
    const keys = statements.filter((s) => /PRIMARY KEY|UNIQUE/.test(s.sql));
    assert.ok(keys.length >= layout.distributed.length, 'each distributed table has a key');
    for (const k of keys) {
      const table = /(?:ALTER TABLE|ON) (\w+)/.exec(k.sql)![1];
      if (layout.distributed.includes(table)) assert.match(k.sql, /\(tenant_id, /, k.sql);
    }
  }
});

test('the keys change exactly where tenant_id was missing, keeping the partition key', () => {
  const { changes } = citusIndexStatements('smallint', schema, layout);
  const byName = Object.fromEntries(changes.map((c) => [c.name, c.after]));
  assert.equal(byName.message_history_pkey, ['tenant_id', 'id', 'created_at']);
  assert.equal(byName.analytics_events_pkey, ['tenant_id', 'id', 'created_at']);
  assert.equal(byName.users_pkey, ['tenant_id', 'id']);
  assert.is(byName.tenants_pkey, undefined, 'a reference table keeps its key');
  assert.equal(changes.map((c) => c.table).sort(), [...layout.distributed].sort());
});

test('secondary indexes and the reference table key are left as they are', () => {
  const plain = indexStatements('smallint', schema);
  const { statements, changes } = citusIndexStatements('smallint', schema, layout);
  assert.is(statements.length, plain.length);
  const changed = new Set(changes.map((c) => c.name));
  for (let i = 0; i < plain.length; i++) {
    assert.is(statements[i].name, plain[i].name);
    if (!changed.has(plain[i].name)) assert.is(statements[i].sql, plain[i].sql);
  }
  assert.ok(statements.some((s) => s.sql === 'ALTER TABLE tenants ADD CONSTRAINT tenants_pkey PRIMARY KEY (id)'));
});

test('a schema without any tenant_id table cannot be distributed', () => {
  assert.throws(() => distributeStatements({ reference: ['tenants'], distributed: [] }, schema), /tenant_id/);
});

test('a Citus data set is never taken for a plain one with the same seed and scale', () => {
  const plain = { scale: 20_000, seed: 1, months: 2, enums: 'smallint' as const, generatorVersion: 1 };
  assert.not.ok(sameData({ ...plain, distribute: 'citus' }, plain));
  assert.not.ok(sameData(plain, { ...plain, distribute: 'citus' }));
  assert.ok(sameData({ ...plain, distribute: 'citus' }, { ...plain, distribute: 'citus' }));
});

test.run();
