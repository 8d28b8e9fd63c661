/**
 * toast against real servers at a small scale: what TOAST physics makes certain (a read
 * that leaves out content follows no TOAST pointer; a pglz-compressed value is smaller
 * than its text), and the lz4 arm on a server built with lz4 (a throwaway Debian
 * PostgreSQL, run through the CLI with DATABASE_URL as a user would) and on one without
 * (the embedded server: reported as not measurable, with the server's reason). Measured
 * values stay in the results.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { qualified } from '../../db/quote.ts';
import { parseResults, type ScenarioResult, type VariantResult } from '../../reports/schema.ts';
import { selectScenarios } from '../../scenarios/index.ts';
import { datasetSchema, runScenarios } from '../../scenarios/runner.ts';
import { cleanEnv, runCli } from '../support/cli.ts';
import { dropSchema, testClient, testTarget, uniqueSchema } from '../support/db.ts';
import { debianPostgresBin, startDebianPostgres } from '../support/debian-postgres.ts';

const DATA = { scale: 20_000, seed: 7, months: 12 };
const PREFIX = uniqueSchema('tst');
const LATENCY = { timeMs: 25, warmupMs: 5, minSamples: 3 };

let result: Promise<ScenarioResult> | undefined;
function run(): Promise<ScenarioResult> {
  result ??= testTarget().then(async (target) => (await runScenarios(target, { data: DATA, scenarios: selectScenarios(['toast']), jobs: 2, schemaPrefix: PREFIX, latency: LATENCY })).scenarios[0]);
  return result;
}

function variant(s: ScenarioResult, name: string): VariantResult {
  const v = s.variants.find((x) => x.name === name);
  assert.ok(v, `variant ${name}`);
  return v!;
}

/** Whether the test server can compress with lz4 (the embedded one cannot). */
async function serverHasLz4(): Promise<boolean> {
  const c = await testClient();
  try {
    await c.query('BEGIN');
    await c.query('CREATE TEMP TABLE lz4_probe (c text COMPRESSION lz4)');
    return true;
  } catch (err) {
    if ((err as { code?: string }).code !== '0A000') throw err;
    return false;
  } finally {
    await c.query('ROLLBACK').catch(() => undefined);
    await c.end();
  }
}

test('toast runs, reads the same long history both ways and states a finding', async () => {
  const s = await run();
  assert.is(s.status, 'ok', s.error?.message);
  assert.equal(s.variants.map((v) => v.name), ['list-view', 'select-star', 'pglz', 'lz4']);
  const rows = (name: string) => variant(s, name).metrics.historyRows;
  assert.ok((rows('list-view') ?? 0) > 1, `the longest history has ${rows('list-view')} messages`);
  assert.is(rows('select-star'), rows('list-view'), 'both reads return the same rows');
  assert.match(s.finding, /Reading the longest session .* with SELECT \* touched/);
});

test('a list view that leaves out content touches no TOAST block, while SELECT * of the same history does', async () => {
  const s = await run();
  const list = variant(s, 'list-view').metrics;
  const star = variant(s, 'select-star').metrics;
  assert.ok((star.toastBlocks ?? 0) > 0, `SELECT * touched ${star.toastBlocks} TOAST blocks: the instrument sees TOAST reads`);
  assert.is(list.toastBlocks, 0, 'the list view follows no TOAST pointer');
  assert.ok((list.heapBlocks ?? 0) > 0, 'the list view reads the heap');
});

test('pglz-compressed content is stored smaller than its octet_length', async () => {
  const s = await run();
  const pglz = variant(s, 'pglz').metrics;
  assert.ok((pglz.compressedValues ?? 0) > 0, `${pglz.compressedValues} values stored pglz-compressed in the copy`);
  assert.ok((pglz.contentStoredBytes ?? 0) < (pglz.contentRawBytes ?? 0), `stored ${pglz.contentStoredBytes} < raw ${pglz.contentRawBytes}`);
  // Value by value, on the data set the scenario read.
  const c = await testClient();
  try {
    const r = await c.query<{ compressed: number; not_smaller: number }>(
      `SELECT count(*)::int AS compressed, count(*) FILTER (WHERE pg_column_size(content) >= octet_length(content))::int AS not_smaller
         FROM ${qualified(datasetSchema(PREFIX, DATA, 'smallint'), 'message_history')} WHERE pg_column_compression(content) = 'pglz'`,
    );
    assert.ok(r.rows[0].compressed > 0, 'some values are pglz-compressed');
    assert.is(r.rows[0].not_smaller, 0, 'every pglz-compressed value is smaller than its text');
  } finally {
    await c.end();
  }
});

test('a server without lz4 has the lz4 arm reported as not measurable with its reason; one with lz4 measures it', async () => {
  const s = await run();
  const lz4 = variant(s, 'lz4');
  if (await serverHasLz4()) {
    assert.is(lz4.metrics.measured, 1);
    assert.ok((lz4.metrics.storedBytes ?? 0) > 0);
    return;
  }
  assert.is(lz4.metrics.measured, 0);
  assert.equal(lz4.sizes, [], 'nothing measured is faked');
  assert.equal(lz4.queries, []);
  assert.match(lz4.description ?? '', /not measurable on this server: compression method lz4 not supported/);
  assert.match(s.finding, /lz4 is not measurable on this server: compression method lz4 not supported/);
  assert.is(s.metrics?.lz4Measured, 0);
});

test('the scratch copies are gone after the scenario', async () => {
  await run();
  const c = await testClient();
  try {
    const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE $1`, [`${PREFIX}%toast_%`]);
    assert.is(r.rows[0].n, 0);
  } finally {
    await c.end();
  }
});

const bin = debianPostgresBin();
if (!bin) console.log('scenarios-toast: lz4 test skipped: no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)');
const withDebian = bin ? test : test.skip;

withDebian('on a Debian PostgreSQL built with lz4, `pgscale run toast` through DATABASE_URL measures the lz4 arm', async () => {
  const server = await startDebianPostgres(bin!);
  const out = mkdtempSync(join(tmpdir(), 'pgscale-toast-out-'));
  try {
    const r = await runCli(['run', 'toast', '--scale', '20k', '--seed', '7', '--query-ms', '20', '--jobs', '2', '--out', out, '--data-dir', join(out, 'home')], {
      env: cleanEnv({ DATABASE_URL: server.url }),
    });
    assert.is(r.code, 0, `${server.version}: ${r.stderr.slice(-2000)}`);
    assert.not.ok(r.stderr.includes(new URL(server.url).password), 'the password is never printed');
    const results = parseResults(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')));
    assert.match(results.environment.postgres.version, /^PostgreSQL 1\d/);
    const s = results.scenarios.find((x) => x.name === 'toast')!;
    assert.is(s.status, 'ok', s.error?.message);
    const lz4 = variant(s, 'lz4');
    const pglz = variant(s, 'pglz');
    assert.is(lz4.metrics.measured, 1, lz4.description);
    assert.ok((lz4.metrics.compressedValues ?? 0) > 0, `${lz4.metrics.compressedValues} values stored lz4-compressed`);
    assert.ok((lz4.metrics.contentStoredBytes ?? 0) < (lz4.metrics.contentRawBytes ?? 0), 'lz4-compressed content is smaller than its text');
    assert.is(lz4.metrics.contentRawBytes, pglz.metrics.contentRawBytes, 'both arms hold the same text');
    assert.ok(lz4.queries.length > 0 && (lz4.metrics.storedBytes ?? 0) > 0, 'sizes and reads measured');
    assert.is(s.metrics?.lz4Measured, 1);
    assert.not.match(s.finding, /not measurable/);
  } finally {
    server.stop();
    rmSync(out, { recursive: true, force: true });
  }
});

test('clean up the data set this file loaded', async () => {
  await run().catch(() => undefined);
  await dropSchema(datasetSchema(PREFIX, DATA, 'smallint'));
});

test.run();
