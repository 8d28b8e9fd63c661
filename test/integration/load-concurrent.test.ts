/**
 * Two processes and one data set, as a retrying CI job or two users of one staging server
 * make them: the second load waits for the first and reuses its work; a load killed with
 * SIGKILL while building indexes is finished by the next; `drop` refuses while a load
 * owns the schema, naming it. All through the real CLI against the test server.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanEnv, runCli, startCli } from '../support/cli.ts';
import { checksums, counts } from '../support/data.ts';
import { dropSchema, testClient, testUrl, uniqueSchema } from '../support/db.ts';

const both = uniqueSchema('both');
const single = uniqueSchema('single');
const killed = uniqueSchema('killed');
const busy = uniqueSchema('busy');

async function env() {
  return cleanEnv({ DATABASE_URL: await testUrl() });
}

const loadArgs = (schema: string, scale = '50k') => ['load', '--scale', scale, '--seed', '3', '--months', '3', '--jobs', '2', '--schema', schema];

/** Resolves when the child's stderr has printed `text`. */
function when(child: ReturnType<typeof startCli>['child'], text: RegExp): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    child.stderr!.on('data', (d: string) => {
      seen += d;
      if (text.test(seen)) resolve();
    });
  });
}

test.after(async () => {
  for (const s of [both, single, killed, busy]) await dropSchema(s).catch(() => undefined);
});

test('two loads of one data set at the same moment: both exit 0, one waited and reused, the data equal one load', async () => {
  const e = await env();
  const [a, b] = await Promise.all([runCli(loadArgs(both), { env: e }), runCli(loadArgs(both), { env: e })]);
  assert.is(a.code, 0, a.stderr);
  assert.is(b.code, 0, b.stderr);
  const waited = [a, b].filter((r) => /waiting for pgscale load \(pid \d+ on .+\) loading schema/.test(r.stderr));
  assert.is(waited.length, 1, `${a.stderr}\n---\n${b.stderr}`);
  assert.match(waited[0].stderr, /already held this data set/);
  const ref = await runCli(loadArgs(single), { env: e });
  assert.is(ref.code, 0, ref.stderr);
  const c = await testClient();
  try {
    assert.equal(await counts(c, both), await counts(c, single));
    assert.equal(await checksums(c, both), await checksums(c, single));
  } finally {
    await c.end();
  }
});

test('--no-wait: a second load exits 1 at once, naming the owner', async () => {
  const e = await env();
  const first = startCli(loadArgs(busy, '200k'), { env: e });
  await when(first.child, /load: |loading|rows/);
  const second = await runCli([...loadArgs(busy, '200k'), '--no-wait'], { env: e });
  assert.is(second.code, 1, second.stderr);
  assert.match(second.stderr, /pgscale load \(pid \d+ on .+\) is loading schema/);
  // drop refuses while it loads, naming the owner; afterwards it works.
  const refused = await runCli(['drop', busy], { env: e });
  assert.is(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /cannot drop: pgscale load \(pid \d+ on .+\) is using schema/);
  const done = await first.done;
  assert.is(done.code, 0, done.stderr);
  const dropped = await runCli(['drop', busy], { env: e });
  assert.is(dropped.code, 0, dropped.stderr);
});

test('kill -9 of the owner while it builds indexes: the next load takes over and the data set is complete and valid', async () => {
  const e = await env();
  const first = startCli(loadArgs(killed, '200k'), { env: e });
  await when(first.child, /building keys and indexes/);
  first.child.kill('SIGKILL');
  await first.done;
  const next = await runCli(loadArgs(killed, '200k'), { env: e });
  assert.is(next.code, 0, next.stderr);
  const c = await testClient();
  try {
    const invalid = await c.query(`SELECT i.indexrelid::regclass::text AS name FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1 AND NOT (i.indisvalid AND i.indisready)`, [killed]);
    assert.equal(invalid.rows, []);
    const pk = await c.query(`SELECT count(*)::int AS n FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 AND c.contype = 'p' AND c.conname = 'users_pkey'`, [killed]);
    assert.is(pk.rows[0].n, 1);
    const state = await c.query(`SELECT state FROM ${killed}._pgscale_meta`);
    assert.is(state.rows[0].state, 'complete');
    const dup = await c.query(`SELECT count(*) - count(DISTINCT id) AS d FROM ${killed}.users`);
    assert.is(Number(dup.rows[0].d), 0);
  } finally {
    await c.end();
  }
});

test.run();
