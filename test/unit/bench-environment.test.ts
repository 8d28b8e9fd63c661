import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCacheState, warmCache } from '../../bench/cache.ts';
import { environmentFingerprint, toolFingerprint } from '../../bench/environment.ts';
import { createSchema } from '../../db/schema.ts';
import { GENERATOR_VERSION } from '../../generators/index.ts';
import { dropSchema, testClient, testTarget, uniqueSchema } from '../support/db.ts';

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
    const password = String(target.config.password ?? '');
    if (password.length >= 6) assert.not.ok(JSON.stringify(env).includes(password));
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

test('describeCacheState is one stable sentence per set of methods', () => {
  assert.is(describeCacheState(new Set(['pg_prewarm'])), describeCacheState(new Set(['pg_prewarm'])));
  assert.match(describeCacheState(new Set(['sequential-read'])), /pg_prewarm unavailable/);
  assert.match(describeCacheState(new Set()), /no prewarm/);
});

test.run();
