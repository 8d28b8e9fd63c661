/**
 * A load split into parts (`load --part I/N`), as several machines would run it against
 * one server: two parts at the same moment give the same data as one load, exactly one of
 * them completes the data set, and a part run twice adds nothing. Through the real CLI
 * against the test server.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanEnv, runCli } from '../support/cli.ts';
import { checksums, counts } from '../support/data.ts';
import { dropSchema, testClient, testUrl, uniqueSchema } from '../support/db.ts';

const together = uniqueSchema('parts');
const twice = uniqueSchema('twice');
const single = uniqueSchema('whole');

async function env() {
  return cleanEnv({ DATABASE_URL: await testUrl() });
}

const loadArgs = (schema: string, ...more: string[]) => ['load', '--scale', '50k', '--seed', '5', '--months', '3', '--jobs', '2', '--schema', schema, ...more];

/** The data set's state, per-table counts and ordered checksums. */
async function snapshot(schema: string) {
  const c = await testClient();
  try {
    const state = (await c.query(`SELECT state FROM ${schema}._pgscale_meta`)).rows[0].state as string;
    const invalid = await c.query(
      `SELECT count(*)::int AS n FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1 AND NOT (i.indisvalid AND i.indisready)`,
      [schema],
    );
    const indexes = await c.query(`SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = $1`, [schema]);
    return { state, invalidIndexes: invalid.rows[0].n as number, indexes: indexes.rows[0].n as number, counts: await counts(c, schema), checksums: await checksums(c, schema) };
  } finally {
    await c.end();
  }
}

let reference: Awaited<ReturnType<typeof snapshot>> | undefined;
/** One whole load with the same parameters, loaded once for the tests that compare with it. */
async function whole() {
  if (!reference) {
    const r = await runCli(loadArgs(single), { env: await env() });
    assert.is(r.code, 0, r.stderr);
    reference = await snapshot(single);
  }
  return reference;
}

test.after(async () => {
  for (const s of [together, twice, single]) await dropSchema(s).catch(() => undefined);
});

test('--part 1/2 and --part 2/2 at the same moment: both exit 0, exactly one completes the data set, and it equals one load', async () => {
  const e = await env();
  const [a, b] = await Promise.all([runCli(loadArgs(together, '--part', '1/2'), { env: e }), runCli(loadArgs(together, '--part', '2/2'), { env: e })]);
  assert.is(a.code, 0, a.stderr);
  assert.is(b.code, 0, b.stderr);
  const out = [a, b].map((r) => r.stdout + r.stderr);
  const finishers = out.filter((s) => /this part built the indexes and marked schema \S+ complete/.test(s));
  assert.is(finishers.length, 1, out.join('\n---\n'));
  const other = out.find((s) => !finishers.includes(s))!;
  assert.match(other, /will be completed by the last part to finish|is complete \(another part finished it\)/);
  const got = await snapshot(together);
  const ref = await whole();
  assert.is(got.state, 'complete');
  assert.is(got.invalidIndexes, 0);
  assert.is(got.indexes, ref.indexes);
  assert.equal(got.counts, ref.counts);
  assert.equal(got.checksums, ref.checksums);
});

test('a part run twice adds nothing the second time and says so; the other part then completes the data set', async () => {
  const e = await env();
  const first = await runCli(loadArgs(twice, '--part', '1/2'), { env: e });
  assert.is(first.code, 0, first.stderr);
  assert.match(first.stdout + first.stderr, /will be completed by the last part to finish: \d+ of \d+ chunks \([\d,]+ rows\) remain, of part 2\/2/);
  const afterFirst = await snapshot(twice);
  assert.is(afterFirst.state, 'loading');
  assert.ok(afterFirst.counts.message_history > 0);

  const again = await runCli(loadArgs(twice, '--part', '1/2'), { env: e });
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout + again.stderr, /part 1\/2: its chunks were all loaded already, nothing added/);
  const afterAgain = await snapshot(twice);
  assert.equal(afterAgain.counts, afterFirst.counts);
  assert.equal(afterAgain.checksums, afterFirst.checksums);
  assert.is(afterAgain.state, 'loading');

  const last = await runCli(loadArgs(twice, '--part', '2/2'), { env: e });
  assert.is(last.code, 0, last.stderr);
  assert.match(last.stdout + last.stderr, /this part built the indexes and marked schema \S+ complete/);
  const done = await snapshot(twice);
  const ref = await whole();
  assert.is(done.state, 'complete');
  assert.equal(done.counts, ref.counts);
  assert.equal(done.checksums, ref.checksums);
});

test('bad --part values and --fresh with --part exit 2 before connecting, saying what to type', async () => {
  // No server is named: a usage error must come before any connection is tried.
  const e = cleanEnv({ PGSCALE_HOME: '/nonexistent/pgscale-parts-test' });
  for (const [value, why] of [
    ['0/2', /parts are numbered from 1/],
    ['3/2', /I must be from 1 to N \(2\)/],
    ['1/0', /N must be from 1 to/],
    ['x', /expected I\/N, e\.g\. 1\/4/],
  ] as const) {
    const r = await runCli(['load', '--scale', '10k', '--part', value], { env: e });
    assert.is(r.code, 2, `${value}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`invalid --part '${value}'`));
    assert.match(r.stderr, why);
  }
  const fresh = await runCli(['load', '--scale', '10k', '--part', '1/2', '--fresh'], { env: e });
  assert.is(fresh.code, 2, fresh.stderr);
  assert.match(fresh.stderr, /--fresh cannot be given with --part/);
});

test.run();
