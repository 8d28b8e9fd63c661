/**
 * `pgscale server`: the URL it prints works for pg, psql and pgbench; other pgscale
 * commands share the server it keeps up; `server stop` ends it. The server lives in a
 * home of its own, so stopping it never touches the test run's shared server.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startEmbedded, stopEmbedded } from '../../db/embedded.ts';
import { cleanEnv, runCli } from '../support/cli.ts';
import { ROOT } from '../support/db.ts';

const home = join(ROOT, '.pgscale', `test-server-${process.pid}`);
const home_ = ['--data-dir', home];
const schema = `srv_${process.pid}`;
let url = '';

function postmaster(): { pid: number; port: number } {
  const lines = readFileSync(join(home, 'data', 'postmaster.pid'), 'utf8').split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

function password(): string {
  return (JSON.parse(readFileSync(join(home, 'credentials.json'), 'utf8')) as { password: string }).password;
}

async function query(sql: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0];
  } finally {
    await client.end();
  }
}

test.after(async () => {
  // A failed test must not leave a server behind.
  await stopEmbedded(home, { force: true });
  rmSync(home, { recursive: true, force: true });
});

test('server start prints a URL that pg connects to, and leaves the server running on 127.0.0.1', async () => {
  const r = await runCli(['server', 'start', '--port', '54360', ...home_]);
  assert.is(r.code, 0, r.stderr);
  url = r.stdout.trim();
  const parsed = new URL(url);
  assert.is(parsed.hostname, '127.0.0.1');
  assert.is(decodeURIComponent(parsed.password), password(), 'the URL carries the password');
  assert.not.ok(r.stderr.includes(password()), 'status lines never show the password');
  assert.match(r.stderr, 'pgscale server stop');
  assert.equal(await query('SELECT 1 AS one'), { one: 1 });
  assert.is(Number(parsed.port), postmaster().port);
  const listen = (await query("SELECT current_setting('listen_addresses') AS l")) as { l: string };
  assert.is(listen.l, '127.0.0.1');
});

test('the URL works for psql', () => {
  const r = spawnSync('psql', [url, '-XAtc', 'SELECT 6 * 7'], { env: cleanEnv(), encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), '42');
});

test('the URL works for pgbench', () => {
  const script = join(home, 'select1.sql');
  writeFileSync(script, 'SELECT 1;\n');
  const r = spawnSync('pgbench', ['-n', '-t', '5', '-f', script, url], { env: cleanEnv(), encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /number of transactions actually processed: 5\/5/);
});

test('a load while the server is up shares it (same port and postmaster) and leaves it up', async () => {
  const before = postmaster();
  const r = await runCli(['load', '--scale', '10k', '--months', '1', '--jobs', '2', '--schema', schema, ...home_]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, `using the server on port ${before.port} that \`pgscale server start\` keeps running`);
  assert.equal(postmaster(), before);
  assert.equal(await query(`SELECT count(*)::int AS n FROM ${schema}.users`), { n: 250 });
});

test('list --datasets shows the loaded data set with its parameters, rows and size', async () => {
  const r = await runCli(['list', '--datasets', '--json', ...home_]);
  assert.is(r.code, 0, r.stderr);
  const sets = JSON.parse(r.stdout) as Array<{ schema: string; complete: boolean; params: { scale: number }; totalRows: number; bytes: number; rows: { message_history: number } }>;
  const mine = sets.find((d) => d.schema === schema);
  assert.ok(mine, r.stdout);
  assert.ok(mine.complete);
  assert.is(mine.params.scale, 10_000);
  assert.is(mine.rows.message_history, 10_000);
  assert.ok(mine.totalRows > mine.rows.message_history);
  assert.ok(mine.bytes > 0);
});

test('pgscale psql opens psql with search_path on the data set and passes its arguments', async () => {
  const r = await runCli(['psql', schema, ...home_, '--', '-XAt', '-c', 'SHOW search_path', '-c', 'SELECT count(*) FROM users']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), `${schema},public\n250`);
  assert.not.ok(r.stderr.includes(password()));
});

test('pgscale psql returns the exit code of psql', async () => {
  const r = await runCli(['psql', schema, ...home_, '--', '-X', '-v', 'ON_ERROR_STOP=1', '-c', 'SELECT 1/0']);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'division by zero');
});

test('server status says the server is kept up', async () => {
  const r = await runCli(['server', 'status', '--json', ...home_]);
  assert.is(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { running: boolean; held: boolean; port: number; url: string };
  assert.ok(s.running);
  assert.ok(s.held);
  assert.is(s.port, postmaster().port);
  assert.not.ok(r.stdout.includes(password()));
});

test('server stop refuses while another pgscale process uses the server, and --force is not needed once it left', async () => {
  // This test process joins the server as a pgscale process does.
  const joined = await startEmbedded({ home });
  const refused = await runCli(['server', 'stop', ...home_]);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, `in use by pgscale process ${process.pid}`);
  assert.match(refused.stderr, '--force');
  await joined.stop();
  assert.equal(await query('SELECT 1 AS one'), { one: 1 }, 'leaving does not stop a held server');
});

test('server stop stops the server; its URL then refuses connections', async () => {
  const { pid } = postmaster();
  const r = await runCli(['server', 'stop', ...home_]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, `(pid ${pid})`);
  try {
    await query('SELECT 1');
    assert.unreachable('the server still accepts connections');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'ECONNREFUSED');
  }
});

test('server url and status say the server is not running, and how to start it', async () => {
  const u = await runCli(['server', 'url', ...home_]);
  assert.is(u.code, 1);
  assert.is(u.stdout, '');
  assert.match(u.stderr, 'pgscale server start');
  const s = await runCli(['server', 'status', ...home_]);
  assert.is(s.code, 3);
  assert.match(s.stdout, 'not running');
});

test.run();
