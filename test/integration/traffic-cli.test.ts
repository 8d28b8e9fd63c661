/**
 * `pgscale traffic` as a user runs it: the platform mix on a loaded data set, bad input
 * refused before anything connects, and Ctrl-C keeping what was measured.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from '../../db/load.ts';
import { parseResults } from '../../reports/schema.ts';
import { runCli, startCli } from '../support/cli.ts';
import { ROOT, dropSchema, testClient, testTarget, testUrl, uniqueSchema } from '../support/db.ts';

const dir = mkdtempSync(join(tmpdir(), 'pgscale-traffic-'));
const schema = uniqueSchema('traffic');
const home = join(ROOT, '.pgscale', `test-traffic-${process.pid}`);

test.before(async () => {
  await load(await testTarget(), { schema, data: { scale: 20_000, seed: 5, months: 3 }, enums: 'smallint', jobs: 2, fresh: false });
});

test.after(async () => {
  await dropSchema(schema);
  rmSync(dir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

/** Schemas and relations on the server: what "nothing written" is checked against. */
async function catalogue(): Promise<string> {
  const c = await testClient();
  try {
    const r = await c.query<{ n: string; s: string }>(`SELECT (SELECT count(*) FROM pg_class) AS n, (SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace) AS s`);
    return `${r.rows[0].n} ${r.rows[0].s}`;
  } finally {
    await c.end();
  }
}

test('the platform mix runs every transaction type on a loaded data set, with new rows in real partitions', async () => {
  const out = join(dir, 'mix');
  const r = await runCli(['traffic', '--schema', schema, '--clients', '4', '--threads', '2', '--duration', '3s', '--warmup', '1s', '--json', '--out', out, '--database-url', await testUrl()]);
  assert.is(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.is(doc.mode, 'closed');
  assert.is(doc.errors, 0, JSON.stringify(doc.errorsBySqlstate));
  const names = doc.perTransaction.map((t: { name: string }) => t.name);
  assert.equal(names, ['append-message', 'start-session', 'read-session', 'list-sessions', 'unread-messages', 'record-event', 'claim-task', 'create-task', 'decide-approval', 'tenant-dashboard']);
  for (const t of doc.perTransaction) assert.ok(t.transactions > 0 || t.weight <= 1, `${t.name} ran (${t.transactions})`);
  assert.equal(doc.defaultPartitionRows, { message_history: 0, analytics_events: 0 });
  for (const key of ['targetRate', 'achievedRate', 'durationSeconds', 'transactions', 'dropped', 'retries', 'latencyMs', 'scheduleLagMs', 'client', 'clientBound', 'slo']) assert.ok(key in doc, `--json has ${key}`);
  const results = parseResults(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')));
  assert.ok(results.traffic!.perTransaction.every((t) => t.histogram.length > 0));
  assert.ok(existsSync(join(out, 'report.md')) && existsSync(join(out, 'report.html')));

  const c = await testClient();
  try {
    // The writes landed in the data set's next month, created ahead, and were recorded.
    const m = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.message_history_2025_04`);
    assert.ok(Number(m.rows[0].n) > 0, 'new messages in message_history_2025_04');
    // The ids the mix draws are the data set's own: every new message belongs to a session
    // that exists, and sessions loaded before the run were among those it wrote to.
    const orphans = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.message_history_2025_04 m WHERE NOT EXISTS (SELECT 1 FROM ${schema}.user_sessions s WHERE s.id = m.session_id)`);
    assert.is(Number(orphans.rows[0].n), 0, 'messages whose session does not exist');
    const touched = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.user_sessions WHERE created_at < '2025-04-01' AND last_activity_at >= '2025-04-01'`);
    assert.ok(Number(touched.rows[0].n) > 0, 'loaded sessions the mix appended to');
    const log = await c.query<{ clock_to: Date; transactions: Record<string, number> }>(`SELECT clock_to, transactions FROM ${schema}._pgscale_traffic`);
    assert.is(log.rows.length, 1);
    assert.ok(log.rows[0].transactions['append-message'] > 0);
  } finally {
    await c.end();
  }
  // A second run continues the data set's clock where the first ended.
  const again = await runCli(['traffic', '--schema', schema, '--clients', '2', '--duration', '1s', '--warmup', '0s', '--json', '--out', join(dir, 'again'), '--database-url', await testUrl()]);
  assert.is(again.code, 0, again.stderr);
  // At least the first run's warm-up and measurement (4 s) later; more when its threads
  // took long to start and stop on a busy machine (the clock follows the wall clock).
  const from = /clock continues from (2025-04-01T\S+)/.exec(again.stderr);
  assert.ok(from, again.stderr);
  const advancedS = (Date.parse(from[1]) - Date.parse('2025-04-01T00:00:00Z')) / 1000;
  assert.ok(advancedS >= 4 && advancedS < 120, `the clock advanced ${advancedS} s`);
});

test('an open-loop run with an SLO it cannot meet exits 1 and says so', async () => {
  const r = await runCli(['traffic', '--schema', schema, '--rate', '50', '--duration', '2s', '--warmup', '0s', '--slo', 'p50<1us', '--out', join(dir, 'slo'), '--database-url', await testUrl()]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stdout, /mode: open loop, poisson arrivals, offered 50\.0 tx\/s/);
  assert.match(r.stdout, /SLO p50<1us: MISSED/);
});

const badInput: Array<[string, string[], RegExp]> = [
  ['an unknown --mix', ['--mix', 'nosuch'], /unknown --mix 'nosuch'/],
  ['--rate 0', ['--rate', '0'], /invalid --rate '0'/],
  ['--rate -5', ['--rate=-5'], /invalid --rate '-5'/],
  ['--stages that do not parse', ['--stages', '30s:100,banana'], /invalid --stages '30s:100,banana'/],
  ['--slo that does not parse', ['--slo', 'p99 fast'], /invalid --slo 'p99 fast'/],
];
writeFileSync(join(dir, 'gset.sql'), 'SELECT 1 AS one;\n\\gset\n');
writeFileSync(join(dir, 'throws.ts'), "throw new Error('boom at load');\nexport const transactions = [];\n");
badInput.push(['a script with an unsupported meta-command', ['--script', join(dir, 'gset.sql')], /gset\.sql:2: \\gset is not supported by pgscale/]);
badInput.push(['a workload module that throws while loading', ['--workload', join(dir, 'throws.ts')], /workload module .*throws\.ts failed to load: boom at load/]);

for (const [what, args, message] of badInput) {
  test(`${what} ends with exit 2, one error line, and nothing written to the database`, async () => {
    const before = await catalogue();
    const r = await runCli(['traffic', ...args, '--duration', '1s', '--out', join(dir, 'never'), '--database-url', await testUrl()]);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.is(r.stderr.split('\n').filter((l) => /error:/.test(l)).length, 1, r.stderr);
    assert.not.match(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
    assert.not.ok(existsSync(join(dir, 'never')), 'no results written');
    assert.is(await catalogue(), before);
  });
}

test('Ctrl-C ends a run with exit 130, partial results on disk, and the server it started stopped', async () => {
  writeFileSync(join(dir, 'one.sql'), 'SELECT 1;\n');
  const out = join(dir, 'interrupted');
  const run = startCli(['traffic', '--script', join(dir, 'one.sql'), '--rate', '100', '--duration', '60s', '--warmup', '0s', '--progress', '1s', '--out', out, '--data-dir', home]);
  let stderr = '';
  run.child.stderr!.on('data', (d: string) => (stderr += d));
  const deadline = Date.now() + 120_000;
  while (!/progress: [2-9]/.test(stderr)) {
    if (Date.now() > deadline) throw new Error(`no progress line: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.is(r.code, 130, r.stderr);
  const doc = parseResults(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')));
  assert.is(doc.partial, true);
  assert.is(doc.traffic!.partial, true);
  assert.ok(doc.traffic!.transactions > 100, `${doc.traffic!.transactions} transactions kept`);
  assert.ok(doc.traffic!.durationSeconds > 1 && doc.traffic!.durationSeconds < 30, `covers the ${doc.traffic!.durationSeconds} s that ran`);
  assert.not.ok(existsSync(join(home, 'data', 'postmaster.pid')), 'the embedded server pgscale started is stopped');
});

test.run();
