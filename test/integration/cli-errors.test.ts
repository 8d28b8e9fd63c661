import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from '../../db/load.ts';
import { checksums, counts } from '../support/data.ts';
import { runCli, startCli } from '../support/cli.ts';
import { dropSchema, testClient, testTarget, testUrl, uniqueSchema } from '../support/db.ts';

/** Every failure ends in one message and a hint: no stack trace without --debug. */
function assertClean(stderr: string): void {
  assert.match(stderr, /pgscale: error: |error: /);
  assert.not.match(stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

const cases: Array<[string, string[], number, RegExp]> = [
  ['--scale -5', ['load', '--scale', '-5'], 2, /invalid --scale '-5'/],
  ['--scale banana', ['load', '--scale', 'banana'], 2, /invalid --scale 'banana'/],
  ['an unknown flag', ['load', '--bogus'], 2, /unknown option '--bogus'/],
  ['an unknown table', ['generate', 'nosuch'], 2, /unknown table 'nosuch'[\s\S]*hint: Choose one of/],
  ['a URL that is not postgres://', ['load', '--database-url', 'http://u:hunter2@h/d'], 2, /must start with postgres:\/\//],
  ['an unreachable server', ['load', '--database-url', 'postgres://u:hunter2@127.0.0.1:1/x', '--scale', '10k'], 1, /connection refused[\s\S]*hint:/],
  ['an unknown --target', ['load', '--target', 'cloud'], 2, /unknown --target 'cloud'/],
];

for (const [what, args, code, message] of cases) {
  test(`${what} ends with exit ${code} and a clear message`, async () => {
    const r = await runCli(args);
    assert.is(r.code, code, r.stderr);
    assert.match(r.stderr, message);
    assert.not.match(r.stderr + r.stdout, 'hunter2', 'the password is never printed');
    assertClean(r.stderr);
  });
}

test('a wrong password ends with exit 1, says authentication failed, and never prints it', async () => {
  const url = new URL(await testUrl());
  url.password = 'not-the-password';
  const r = await runCli(['load', '--scale', '10k', '--schema', uniqueSchema('pw'), '--database-url', url.toString()]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /authentication failed/);
  assert.not.match(r.stderr + r.stdout, 'not-the-password');
  assertClean(r.stderr);
});

test('a database that does not exist is named with a hint', async () => {
  const url = new URL(await testUrl());
  url.pathname = '/no_such_db';
  const r = await runCli(['load', '--scale', '10k', '--database-url', url.toString()]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /no_such_db[\s\S]*hint: Create the database/);
});

test('--debug adds the stack trace', async () => {
  const r = await runCli(['load', '--debug', '--database-url', 'postgres://u@127.0.0.1:1/x']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /\n\s+at /);
});

test('pgscale drop refuses a schema it did not create and leaves it whole', async () => {
  const foreign = uniqueSchema('not_ours');
  const c = await testClient();
  try {
    await c.query(`CREATE SCHEMA ${foreign}`);
    await c.query(`CREATE TABLE ${foreign}.keep (x int)`);
    const r = await runCli(['drop', foreign, '--database-url', await testUrl()]);
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, `refusing to drop schema '${foreign}': pgscale did not create it`);
    const still = await c.query('SELECT to_regclass($1) IS NOT NULL AS e', [`${foreign}.keep`]);
    assert.ok(still.rows[0].e, 'the table is still there');
  } finally {
    await c.query(`DROP SCHEMA IF EXISTS ${foreign} CASCADE`);
    await c.end();
  }
});

async function committedChunks(schema: string): Promise<number> {
  const c = await testClient();
  try {
    const r = await c.query(`SELECT count(*) AS n FROM "${schema}"._pgscale_load_log`).catch(() => ({ rows: [{ n: 0 }] }));
    return Number(r.rows[0].n);
  } finally {
    await c.end();
  }
}

async function waitFor(cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const resumeData = { scale: 200_000, seed: 5, months: 12 };
const reference = uniqueSchema('ref');

test('a load killed with SIGKILL part-way and run again equals an uninterrupted load, without duplicates', async () => {
  const schema = uniqueSchema('killed');
  const args = ['load', '--scale', '200k', '--seed', '5', '--months', '12', '--jobs', '2', '--schema', schema, '--database-url', await testUrl()];
  const first = startCli(args);
  await waitFor(async () => (await committedChunks(schema)) >= 3);
  first.child.kill('SIGKILL');
  const killed = await first.done;
  assert.is(killed.signal, 'SIGKILL');
  const atKill = await committedChunks(schema);
  assert.ok(atKill < 27, `killed part-way (${atKill} of 27 chunks committed)`);

  const second = await runCli(args);
  assert.is(second.code, 0, second.stderr);
  assert.match(second.stderr, /resuming — \d+ of 27 chunks already committed/);

  await load(await testTarget(), { schema: reference, data: resumeData, enums: 'smallint', jobs: 2, fresh: false });
  const c = await testClient();
  try {
    assert.equal(await counts(c, schema), await counts(c, reference));
    assert.equal(await checksums(c, schema), await checksums(c, reference));
    const dup = await c.query(`SELECT count(*) - count(DISTINCT id) AS d FROM "${schema}".message_history`);
    assert.is(Number(dup.rows[0].d), 0, 'no duplicate ids');
  } finally {
    await c.end();
  }
  await dropSchema(schema);
});

test('a server that drops the connection mid-load gives a clear error, and a re-run completes it', async () => {
  const schema = uniqueSchema('dropped');
  const args = ['load', '--scale', '200k', '--seed', '5', '--months', '12', '--jobs', '2', '--schema', schema, '--database-url', await testUrl()];
  const run = startCli(args);
  await waitFor(async () => (await committedChunks(schema)) >= 2);
  const c = await testClient();
  try {
    // What a server restart does to its sessions: terminate pgscale's backends.
    await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pgscale' AND pid <> pg_backend_pid() AND query ILIKE $1`, [`%${schema}%`]);
    const r = await run.done;
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, /terminat|connection .*lost|shut down/i, r.stderr);
    assert.match(r.stderr, /run the same command again/);
    assertClean(r.stderr);
    const again = await runCli(args);
    assert.is(again.code, 0, again.stderr);
    assert.equal(await checksums(c, schema), await checksums(c, reference));
  } finally {
    await c.end();
  }
  await dropSchema(schema);
  await dropSchema(reference);
});

test.run();
