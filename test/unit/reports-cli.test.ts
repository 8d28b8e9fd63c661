import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeResults } from '../../cli/run.ts';
import { PgscaleError } from '../../core/errors.ts';
import type { Results } from '../../reports/schema.ts';
import { runCli } from '../support/cli.ts';
import { growRelation, slowDownQuery, syntheticResults } from '../fixtures/synthetic-results.ts';

const dir = mkdtempSync(join(tmpdir(), 'pgscale-compare-'));
const file = (name: string, doc: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return path;
};

const baseline = file('baseline.json', syntheticResults({ sampleSeed: 31 }));
const same = file('same.json', syntheticResults({ sampleSeed: 32 }));
const worse = file(
  'worse.json',
  growRelation(slowDownQuery(syntheticResults({ sampleSeed: 32 }), 'time-index', 'btree', 'range-week', 1.3), 'enum-storage', 'smallint', 'idx_messages_role', 1.2),
);
const smaller = file('smaller.json', syntheticResults({ sampleSeed: 32, scale: 10_000 }));
const fewer = file('fewer.json', syntheticResults({ sampleSeed: 32, scenarios: ['enum-storage', 'n-plus-one'] }));

test('compare exits 0 and says no regression for two runs of the same build', async () => {
  const r = await runCli(['compare', baseline, same]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, '**No regression**');
  assert.match(r.stdout, '| metric | baseline | current | change |');
});

test('compare exits 1 and names exactly the slower query and the larger index', async () => {
  const r = await runCli(['compare', baseline, worse, '--json']);
  assert.is(r.code, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as { regressed: boolean; metrics: Array<{ id: string; verdict: string }> };
  assert.ok(doc.regressed);
  assert.equal(
    doc.metrics.filter((m) => m.verdict === 'regressed').map((m) => m.id).sort(),
    ['enum-storage/smallint/size/idx_messages_role.index', 'time-index/btree/latency/range-week[forced=enable_seqscan=off;selectivity=week]'],
  );
});

test('compare exits 2 on a different scale and says what differs', async () => {
  const r = await runCli(['compare', baseline, smaller]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, 'scale differs (baseline 1000000, current 10000)');
  assert.match(r.stderr, 'hint:');
});

test('compare judges the scenarios both runs have when the scenario set differs, and names the difference', async () => {
  const r = await runCli(['compare', baseline, fewer]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, 'scenario set differs (only in baseline: time-index)');
  assert.match(r.stdout, 'enum-storage');
});

test('compare exits 2 on a file that is not a results document', async () => {
  const r = await runCli(['compare', baseline, file('junk.json', '{"hello":')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, 'is not valid JSON');
});

test('compare --threshold can relax the gate until the regression passes', async () => {
  const r = await runCli(['compare', baseline, worse, '--threshold', 'latency=50%,size=25%']);
  assert.is(r.code, 0, r.stdout + r.stderr);
});

test('compare --config reads thresholds from a JSON file', async () => {
  const config = file('gate.json', { thresholds: { 'time-index/*': { relative: 0.5 }, size: { relative: 0.25 } } });
  const r = await runCli(['compare', baseline, worse, '--config', config, '--changed-only']);
  assert.is(r.code, 0, r.stdout + r.stderr);
});

test('compare --history reads a folder of nightly results', async () => {
  const hist = join(dir, 'history');
  mkdirSync(hist);
  for (let i = 0; i < 6; i++) file(join('history', `night-${i}.json`), syntheticResults({ sampleSeed: 40 + i, startedAt: `2025-05-0${i + 1}T02:00:00Z` }));
  file(join('history', 'broken.json'), '{');
  const r = await runCli(['compare', baseline, same, '--history', hist, '--format', 'json']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, 'skipped');
  const doc = JSON.parse(r.stdout) as { trends: Array<{ points: unknown[] }> };
  assert.ok(doc.trends[0].points.length >= 7);
});

test('report writes a self-contained HTML file with --out', async () => {
  const out = join(dir, 'report.html');
  const r = await runCli(['report', worse, '--baseline', baseline, '--format', 'html', '--out', out]);
  assert.is(r.code, 0, r.stderr);
  const html = readFileSync(out, 'utf8');
  assert.match(html, '<!doctype html>');
  assert.match(html, 'Against the baseline');
});

test('report prints Markdown to stdout by default and exporters on request', async () => {
  const md = await runCli(['report', baseline]);
  assert.is(md.code, 0, md.stderr);
  assert.match(md.stdout, '# pgscale results');
  const bmf = await runCli(['report', baseline, '--format', 'bencher']);
  assert.ok(JSON.parse(bmf.stdout)['enum-storage/smallint/eq-filter'].latency.value > 0);
});

test('an invalid results document is kept as results.invalid.json and the run fails with exit 1', async () => {
  const out = join(dir, 'invalid-run');
  const doc = syntheticResults({ sampleSeed: 33 });
  doc.scenarios[0].variants[0].sizes[0].bytes = Number.NaN; // a bug upstream, say
  try {
    await writeResults(out, doc as Results);
    assert.unreachable('should have failed');
  } catch (err) {
    assert.instance(err, PgscaleError);
    assert.is((err as PgscaleError).exitCode, 1);
    assert.match((err as Error).message, 'scenarios.0.variants.0.sizes.0.bytes');
    assert.match((err as Error).message, join(out, 'results.invalid.json'));
  }
  const raw = JSON.parse(readFileSync(join(out, 'results.invalid.json'), 'utf8'));
  assert.is(raw.scenarios[0].variants[0].sizes[0].bytes, 'NaN', 'the bad value stays readable');
  assert.is(raw.scenarios.length, 3, 'every measurement is kept');
  assert.not.ok(existsSync(join(out, 'results.json')), 'nothing passes for valid');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
