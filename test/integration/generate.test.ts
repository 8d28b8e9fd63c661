import { execFileSync, spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TABLES } from '../../generators/index.ts';
import { readSql, renderSql, statements } from '../../db/schema.ts';
import { runCli } from '../support/cli.ts';
import { testClient, testUrl } from '../support/db.ts';

function hasPsql(): boolean {
  try {
    execFileSync('psql', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('generate writes byte-identical COPY text for the same arguments', async () => {
  const a = await runCli(['generate', 'message_history', '--rows', '5000', '--seed', '1']);
  const b = await runCli(['generate', 'message_history', '--rows', '5000', '--seed', '1']);
  const c = await runCli(['generate', 'message_history', '--rows', '5000', '--seed', '2']);
  assert.is(a.code, 0, a.stderr);
  assert.is(a.stdout.split('\n').length - 1, 5000);
  assert.ok(a.stdout === b.stdout);
  assert.ok(a.stdout !== c.stdout);
});

if (!hasPsql()) {
  console.log('  generate | psql test skipped: psql is not installed (apt-get install postgresql-client; .ci/run does)');
  test.skip('generate message_history | psql COPY … FROM STDIN loads every row into a plain table', () => {});
} else test('generate message_history | psql COPY … FROM STDIN loads every row into a plain table', async () => {
  const schema = `gen_psql_${process.pid}`;
  const c = await testClient();
  try {
    // A table of the platform's shape, made by the test (not pgscale): what a user's own server would hold.
    await c.query(`CREATE SCHEMA ${schema}`);
    const ddl = statements(renderSql(readSql('tables.sql'), 'smallint', schema)).find((s) => s.startsWith('CREATE TABLE message_history'))!;
    await c.query(`SET search_path TO ${schema}`);
    await c.query(ddl.replace(/\) PARTITION BY RANGE \(created_at\)$/, ')'));
    const url = await testUrl();
    const copy = `COPY ${schema}.message_history (${TABLES.message_history.columns.join(', ')}) FROM STDIN`;
    const status = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const gen = spawn(process.execPath, ['bin/pgscale.js', 'generate', 'message_history', '--rows', '100000', '--seed', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const psql = spawn('psql', [url, '-v', 'ON_ERROR_STOP=1', '-c', copy], { stdio: ['pipe', 'ignore', 'pipe'] });
      gen.stdout.pipe(psql.stdin);
      let err = '';
      psql.stderr.on('data', (d) => (err += d));
      psql.on('close', (code) => resolve({ code, err }));
    });
    assert.is(status.code, 0, status.err);
    const r = await c.query(`SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ${schema}.message_history`);
    assert.is(Number(r.rows[0].n), 100_000);
    assert.is(Number(r.rows[0].ids), 100_000);
  } finally {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
});

test.run();
