import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../support/cli.ts';
import { syntheticTrafficResults } from '../fixtures/synthetic-traffic.ts';

const dir = mkdtempSync(join(tmpdir(), 'pgscale-traffic-compare-'));
const file = (name: string, doc: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(doc));
  return path;
};

const baseline = file('baseline.json', syntheticTrafficResults({ sampleSeed: 71 }));
const same = file('same.json', syntheticTrafficResults({ sampleSeed: 72 }));
const erroring = file('erroring.json', syntheticTrafficResults({ sampleSeed: 72, errorRate: 0.02 }));
const partial = file('partial.json', syntheticTrafficResults({ sampleSeed: 73, partial: true }));

test('compare exits 0 for two load tests of the same build', async () => {
  const r = await runCli(['compare', baseline, same]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, '**No regression**');
  assert.match(r.stdout, '| traffic throughput |');
});

test('compare exits 1 and names the error rate when errors went from 0 to 2 %', async () => {
  const r = await runCli(['compare', baseline, erroring, '--json']);
  assert.is(r.code, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as { metrics: Array<{ id: string; verdict: string }> };
  assert.equal(doc.metrics.filter((m) => m.verdict === 'regressed').map((m) => m.id), ['traffic/-/errors/rate']);
});

test('compare exits 2 on a partial baseline and says why', async () => {
  const r = await runCli(['compare', partial, same]);
  assert.is(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, 'a partial run cannot be a baseline');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
