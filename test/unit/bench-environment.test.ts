import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCacheState, warmCache } from '../../bench/cache.ts';
import { environmentFingerprint, toolFingerprint } from '../../bench/environment.ts';
import { createSchema } from '../../db/schema.ts';
import { GENERATOR_VERSION } from '../../generators/index.ts';
import { dropSchema, testClient, testTarget, uniqueSchema } from '../support/db.ts';

/** The password the test target connects with: its config's, or its URL's. */
function targetPassword(config: { password?: unknown; connectionString?: string }): string {
  if (config.password) return String(config.password);
  return config.connectionString ? decodeURIComponent(new URL(config.connectionString).password) : '';
}

/** Where pg_prewarm is installed, as this session sees it. */
async function prewarmNamespace(c: Awaited<ReturnType<typeof testClient>>): Promise<string | undefined> {
  const r = await c.query<{ s: string }>(`SELECT extnamespace::regnamespace::text AS s FROM pg_extension WHERE extname = 'pg_prewarm'`);
  return r.rows[0]?.s;
}

test('the fingerprint records version, key settings and the machine, without ports or passwords', async () => {
  const target = await testTarget();
  const c = await target.connect();
  try {
    const env = await environmentFingerprint(c, target);
    assert.match(env.postgres.version, /^PostgreSQL /);
    assert.ok(env.postgres.versionNum >= 100000);
    for (const key of ['shared_buffers', 'work_mem', 'jit', 'random_page_cost']) assert.ok(env.postgres.settings[key], `${key} recorded`);
    assert.is(env.postgres.settings.port, undefined, 'the port changes between runs: not a setting that matters');
    assert.is(env.postgres.settings.application_name, undefined, 'per-connection settings are left out');
    assert.is(env.target, target.kind);
    assert.ok(env.cpus >= 1 && env.memoryBytes > 0 && env.node.startsWith('v'));
    const password = targetPassword(target.config);
    assert.ok(password.length > 0, 'the test server has a password to look for');
    assert.not.ok(JSON.stringify(env).includes(password), 'password leaked into the fingerprint');
  } finally {
    await c.end();
  }
});

test('toolFingerprint names pgscale, its version and a commit', () => {
  const t = toolFingerprint();
  assert.is(t.name, 'pgscale');
  assert.match(t.version, /^\d+\.\d+\.\d+/);
  assert.ok(t.gitSha.length >= 7);
});

test('warmCache vacuums, then prewarms heap, TOAST and indexes with pg_prewarm', async () => {
  const schema = uniqueSchema('cache');
  const c = await testClient();
  try {
    await createSchema(c, schema, { scale: 1, seed: 1, months: 1, enums: 'smallint', generatorVersion: GENERATOR_VERSION });
    await c.query(`CREATE TABLE ${schema}.w (id int PRIMARY KEY, body text)`);
    await c.query(`INSERT INTO ${schema}.w SELECT g, md5(g::text) FROM generate_series(1, 5000) g`);
    const r = await warmCache(c, schema, ['w']);
    assert.is(r.method, 'pg_prewarm');
    assert.ok(r.blocksWarmed > 0);
    assert.ok(r.relationsWarmed >= 3, 'heap, TOAST and primary key');
    const vac = await c.query<{ n: string }>(`SELECT vacuum_count + autovacuum_count AS n FROM pg_stat_user_tables WHERE relid = $1::regclass`, [`${schema}.w`]);
    assert.ok(Number(vac.rows[0].n) >= 1, 'vacuumed');
    const noPrewarm = await warmCache(c, schema, ['w'], { usePrewarm: false, skipVacuum: true });
    assert.is(noPrewarm.method, 'sequential-read');
    assert.match(noPrewarm.fallbackReason ?? '', /disabled/);
  } finally {
    await c.end();
    await dropSchema(schema);
  }
});

// The next two run in a transaction that is rolled back: an installation left by another
// test or run is hidden from it (DROP EXTENSION inside the transaction), so the install
// path runs every time, and nothing outside the transaction changes.
test('pg_prewarm is installed only into the pgscale schema being measured, and goes with it', async () => {
  const schema = uniqueSchema('prewarm');
  const c = await testClient();
  try {
    await createSchema(c, schema, { scale: 1, seed: 1, months: 1, enums: 'smallint', generatorVersion: GENERATOR_VERSION });
    await c.query('BEGIN');
    await c.query('DROP EXTENSION IF EXISTS pg_prewarm');
    await c.query(`CREATE TABLE ${schema}.w (id int PRIMARY KEY)`);
    await c.query(`INSERT INTO ${schema}.w SELECT generate_series(1, 1000)`);
    const r = await warmCache(c, schema, ['w'], { skipVacuum: true });
    assert.is(r.method, 'pg_prewarm');
    assert.is(r.extensionInstalled, true);
    assert.is(r.extensionSchema, schema);
    assert.is(await prewarmNamespace(c), schema, 'not public, not the first schema of the search_path');
    const again = await warmCache(c, schema, ['w'], { skipVacuum: true });
    assert.is(again.extensionInstalled, false, 'an installed pg_prewarm is used as it is');
    await c.query(`DROP SCHEMA ${schema} CASCADE`);
    assert.is(await prewarmNamespace(c), undefined, 'the schema\'s DROP removed the extension pgscale installed');
  } finally {
    await c.query('ROLLBACK');
    await c.end();
    await dropSchema(schema);
  }
});

test('pg_prewarm is not installed into a schema pgscale did not create: a sequential read warms instead', async () => {
  const schema = uniqueSchema('foreign');
  const c = await testClient();
  try {
    await c.query('BEGIN');
    await c.query('DROP EXTENSION IF EXISTS pg_prewarm');
    await c.query(`CREATE SCHEMA ${schema}`);
    await c.query(`CREATE TABLE ${schema}.w (id int PRIMARY KEY)`);
    const r = await warmCache(c, schema, ['w'], { skipVacuum: true });
    assert.is(r.method, 'sequential-read');
    assert.match(r.fallbackReason ?? '', /only into a schema it created/);
    assert.is(await prewarmNamespace(c), undefined, 'nothing installed anywhere');
  } finally {
    await c.query('ROLLBACK');
    await c.end();
  }
});

test('describeCacheState is one stable sentence per set of methods', () => {
  assert.is(describeCacheState(new Set(['pg_prewarm'])), describeCacheState(new Set(['pg_prewarm'])));
  assert.match(describeCacheState(new Set(['sequential-read'])), /pg_prewarm unavailable/);
  assert.match(describeCacheState(new Set()), /no prewarm/);
});

test.run();
