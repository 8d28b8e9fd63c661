import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerPlan } from '../../db/container.ts';
import { tunedSettings } from '../../db/embedded.ts';
import { PgscaleError } from '../../core/errors.ts';
import { toPgscaleError } from '../../db/errors.ts';
import { resolveTargetSpec } from '../../db/target.ts';

const cwd = '/work/x';

test('--database-url wins over everything else', () => {
  const spec = resolveTargetSpec({ databaseUrl: 'postgres://a:b@h:5/d', target: 'container' }, { DATABASE_URL: 'postgres://x@y/z' }, cwd);
  assert.equal(spec, { kind: 'url', url: 'postgres://a:b@h:5/d', source: '--database-url' });
});

test('--target beats DATABASE_URL and PG* variables', () => {
  assert.equal(resolveTargetSpec({ target: 'container:postgres:16' }, { DATABASE_URL: 'postgres://x@y/z' }, cwd), { kind: 'container', image: 'postgres:16' });
  assert.equal(resolveTargetSpec({ target: 'container' }, {}, cwd), { kind: 'container', image: 'postgres:18' });
});

test('DATABASE_URL then libpq PG* variables are used before the embedded server', () => {
  assert.is(resolveTargetSpec({}, { DATABASE_URL: 'postgresql://x@y/z' }, cwd).kind, 'url');
  assert.equal(resolveTargetSpec({}, { PGHOST: 'db', PGUSER: 'me' }, cwd), { kind: 'url', source: 'PGHOST' });
  assert.equal(resolveTargetSpec({}, { PGPASSWORD: 'only a password' }, cwd), { kind: 'embedded', home: '/work/x/.pgscale' });
});

test('the embedded home follows --data-dir, then PGSCALE_HOME', () => {
  assert.equal(resolveTargetSpec({ dataDir: '/d' }, { PGSCALE_HOME: '/e' }, cwd), { kind: 'embedded', home: '/d' });
  assert.equal(resolveTargetSpec({}, { PGSCALE_HOME: '/e' }, cwd), { kind: 'embedded', home: '/e' });
});

for (const [url, why] of [
  ['not a url', 'not a valid URL'],
  ['mysql://u:p@h/d', 'must start with postgres://'],
  ['postgres://u:p@h:99999/d', 'not a valid URL'],
] as const) {
  test(`a bad URL (${url}) is a usage error that does not echo the password`, () => {
    try {
      resolveTargetSpec({ databaseUrl: url }, {}, cwd);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, PgscaleError);
      assert.is((err as PgscaleError).exitCode, 2);
      assert.match((err as Error).message, why);
      assert.not.match((err as Error).message, ':p@');
    }
  });
}

test('an unknown --target is a usage error', () => {
  assert.throws(() => resolveTargetSpec({ target: 'kubernetes' }, {}, cwd), /unknown --target/);
});

test('server settings scale with memory and stay within caps', () => {
  const small = tunedSettings(2 * 1024 ** 3);
  const big = tunedSettings(256 * 1024 ** 3);
  assert.is(small.shared_buffers, '512MB');
  assert.is(big.shared_buffers, '4096MB');
  assert.is(big.maintenance_work_mem, '2048MB');
  assert.is(small.wal_level, 'minimal');
});

test('the container plan gives /dev/shm room for shared memory and passes settings as -c flags', () => {
  const plan = containerPlan('postgres:16', 8 * 1024 ** 3);
  assert.is(plan.image, 'postgres:16');
  assert.ok(plan.shmBytes >= 1024 * 1024 * 1024, `shm ${plan.shmBytes}`);
  assert.is(plan.command[0], 'postgres');
  assert.ok(plan.command.includes('shared_buffers=2048MB'));
  assert.not.ok(plan.command.some((c) => c.startsWith('listen_addresses')), 'must listen on all interfaces inside the container');
});

test('Postgres errors keep their SQLSTATE and gain a hint', () => {
  const disk = toPgscaleError({ code: '53100', message: 'could not extend file: No space left on device' });
  assert.is(disk.code, 'DISK_FULL');
  assert.is(disk.sqlstate, '53100');
  assert.match(disk.hint ?? '', 'run the same command again');
  assert.is(toPgscaleError({ code: 'ECONNREFUSED', message: 'x' }, { where: 'h:1' }).code, 'CONNECTION');
  assert.is(toPgscaleError({ code: '28P01', message: 'password authentication failed for user "u"' }).code, 'AUTH');
  assert.is(toPgscaleError({ code: '57P01', message: 'terminating connection due to administrator command' }).code, 'SERVER');
  const dead = toPgscaleError(new Error('Client has encountered a connection error and is not queryable'));
  assert.is(dead.code, 'SERVER');
  assert.match(dead.hint ?? '', 'run the same command again');
});

test.run();
