import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseDataset, findPsql, psqlInvocation } from '../../cli/psql.ts';
import type { DatasetInfo } from '../../db/datasets.ts';
import { PgscaleError } from '../../core/errors.ts';

const dataset = (schema: string, state: DatasetInfo['state'] = 'complete'): DatasetInfo => ({ schema, state, complete: state === 'complete', rows: {}, totalRows: 0, bytes: 0 });

function thrown(fn: () => unknown): PgscaleError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, PgscaleError);
    return err as PgscaleError;
  }
  throw new Error('expected a PgscaleError');
}

test('psqlInvocation passes the password in PGPASSWORD and nowhere in the arguments', () => {
  const { args, env } = psqlInvocation({ host: '127.0.0.1', port: 5555, user: 'pgscale', password: 'pw-secret', database: 'postgres' }, 'pgscale_1m', {});
  assert.is(env.PGPASSWORD, 'pw-secret');
  assert.not.ok(args.join(' ').includes('pw-secret'));
  assert.is(env.PGHOST, '127.0.0.1');
  assert.is(env.PGPORT, '5555');
  assert.is(env.PGUSER, 'pgscale');
  assert.is(env.PGOPTIONS, '-c search_path=pgscale_1m,public');
});

test('psqlInvocation keeps a URL target as --dbname with its password moved to PGPASSWORD', () => {
  const { args, env } = psqlInvocation({ connectionString: 'postgres://alice:p%40ss@db.example:6543/app?sslmode=require' }, 'ds', {});
  assert.is(env.PGPASSWORD, 'p@ss');
  assert.is(args[0], '--dbname');
  assert.is(args[1], 'postgres://alice@db.example:6543/app?sslmode=require');
  assert.is(env.PGOPTIONS, '-c search_path=ds,public');
});

test('psqlInvocation adds search_path to a URL that carries its own startup options', () => {
  const { args, env } = psqlInvocation({ connectionString: 'postgres://a@h/d?options=-c%20work_mem%3D64MB' }, 'ds', {});
  assert.is(new URL(args[1]).searchParams.get('options'), '-c work_mem=64MB -c search_path=ds,public');
  assert.is(env.PGOPTIONS, undefined);
});

test('psqlInvocation leaves search_path alone without a data set', () => {
  const { env } = psqlInvocation({ host: 'h', options: '-c TimeZone=UTC' }, undefined, { PATH: '/bin' });
  assert.is(env.PGOPTIONS, '-c TimeZone=UTC');
  assert.is(env.PATH, '/bin');
  assert.is(env.PGAPPNAME, 'pgscale psql');
});

test('findPsql says how to install psql when none is on PATH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgscale-nopsql-'));
  try {
    const err = thrown(() => findPsql(undefined, { PATH: dir }));
    assert.match(err.message, 'psql is not installed');
    assert.match(err.hint ?? '', 'apt-get install postgresql-client');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('findPsql takes the first executable psql on PATH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgscale-psql-'));
  try {
    writeFileSync(join(dir, 'psql'), '#!/bin/sh\n');
    chmodSync(join(dir, 'psql'), 0o755);
    assert.is(findPsql(undefined, { PATH: `/nonexistent:${dir}` }), join(dir, 'psql'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('findPsql refuses a --psql that is not an executable file', () => {
  assert.match(thrown(() => findPsql('/nonexistent/psql', {})).message, '--psql /nonexistent/psql');
});

test('chooseDataset takes the only data set, ignoring scratch copies', () => {
  assert.is(chooseDataset([dataset('a'), dataset('t_scratch', 'scratch')], undefined, 'here')?.schema, 'a');
  assert.is(chooseDataset([], undefined, 'here'), undefined);
});

test('chooseDataset asks which one when there are several', () => {
  const err = thrown(() => chooseDataset([dataset('a'), dataset('b')], undefined, 'here'));
  assert.is(err.code, 'USAGE');
  assert.match(err.hint ?? '', 'a, b');
});

test('chooseDataset names the data sets there when the one asked for is missing', () => {
  const err = thrown(() => chooseDataset([dataset('a')], 'b', 'here'));
  assert.match(err.message, "no data set 'b'");
  assert.match(err.hint ?? '', 'a');
});

test.run();
