/**
 * uuid-keys against the real server at a small scale: the directions physics makes
 * certain. Random keys split pages in the middle and touch leaves all over the index;
 * time-ordered keys append at the right edge. The measured values stay in the results.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ScenarioResult, VariantResult } from '../../reports/schema.ts';
import { selectScenarios } from '../../scenarios/index.ts';
import { runScenarios } from '../../scenarios/runner.ts';
import { testClient, testTarget, uniqueSchema } from '../support/db.ts';

const DATA = { scale: 20_000, seed: 7, months: 12 };
const PREFIX = uniqueSchema('uuk');

let result: Promise<ScenarioResult> | undefined;
function run(): Promise<ScenarioResult> {
  result ??= testTarget().then(async (target) => {
    const r = await runScenarios(target, { data: DATA, scenarios: selectScenarios(['uuid-keys']), jobs: 2, schemaPrefix: PREFIX, latency: { timeMs: 25, warmupMs: 5, minSamples: 3 }, traffic: { stepSeconds: 1, warmupSeconds: 0.5 } });
    return r.scenarios[0];
  });
  return result;
}

function arm(s: ScenarioResult, name: string): VariantResult['metrics'] {
  const v = s.variants.find((x) => x.name === name);
  assert.ok(v, `variant ${name}`);
  return v!.metrics;
}

test('uuid-keys runs both arms, inserts rows in each and states a finding', async () => {
  const s = await run();
  assert.is(s.status, 'ok', s.error?.message);
  assert.equal(s.variants.map((v) => v.name), ['uuidv4', 'uuidv7']);
  for (const v of s.variants) assert.ok((v.metrics.rowsInserted ?? 0) > 100, `${v.name} inserted ${v.metrics.rowsInserted} rows`);
  assert.match(s.finding, /UUIDv7/);
});

test('time-ordered keys leave the primary key denser and smaller per row than random keys', async () => {
  const s = await run();
  const v4 = arm(s, 'uuidv4');
  const v7 = arm(s, 'uuidv7');
  assert.ok(v7.leafDensity! > v4.leafDensity!, `leaf density v7 ${v7.leafDensity} > v4 ${v4.leafDensity}`);
  assert.ok(v7.indexBytesPerRow! < v4.indexBytesPerRow!, `index B/row v7 ${v7.indexBytesPerRow} < v4 ${v4.indexBytesPerRow}`);
});

test('after a checkpoint, random keys change more index pages and write more full-page images per row', async () => {
  const s = await run();
  const v4 = arm(s, 'uuidv4');
  const v7 = arm(s, 'uuidv7');
  assert.ok(v4.indexBlocksTouched! > v7.indexBlocksTouched!, `index blocks changed v4 ${v4.indexBlocksTouched} > v7 ${v7.indexBlocksTouched}`);
  assert.ok(v4.indexFpiBytesPerRow! > v7.indexFpiBytesPerRow!, `index FPI B/row v4 ${v4.indexFpiBytesPerRow} > v7 ${v7.indexFpiBytesPerRow}`);
  assert.ok(v4.walBytesPerRow! > v7.walBytesPerRow!, `WAL B/row v4 ${v4.walBytesPerRow} > v7 ${v7.walBytesPerRow}`);
});

test('uuid-keys drops its scratch schema', async () => {
  await run();
  const c = await testClient();
  try {
    const r = await c.query('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`${PREFIX}%`]);
    assert.equal(r.rows, []);
  } finally {
    await c.end();
  }
});

test.run();
