/**
 * The paired gate on synthetic paired runs: each round's two arms are two "processes"
 * whose whole speed differs (runJitter), as real child runs here do. The gate must not
 * take that for a regression, must catch one slower query beyond it, and must see a
 * slowdown of every query as the scenario's shift.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { comparePaired } from '../../reports/compare-paired.ts';
import { PAIRED_KIND, PAIRED_VERSION, type PairedRun, parsePaired } from '../../reports/paired.ts';
import { fitVariancePrior } from '../../reports/stats.ts';
import { DEFAULT_GATE_CONFIG } from '../../reports/thresholds.ts';
import { Rng } from '../../generators/rng.ts';
import { slowDownQuery, syntheticResults } from '../fixtures/synthetic-results.ts';
import { runCli } from '../support/cli.ts';
import { regressedIds } from '../support/gate.ts';
import type { Results } from '../../reports/schema.ts';

const SCENARIOS = ['time-index', 'n-plus-one'] as const;
// The paired verdicts use no bootstrap; fewer rounds of it keep the one-baseline part quick.
const FAST = { config: { ...DEFAULT_GATE_CONFIG, bootstrapIterations: 100 } };

/** A paired run of `rounds` rounds; `plant` turns a current arm into a changed build. */
function pairedRun(seed: number, rounds: number, plant: (r: Results) => Results = (r) => r, runJitter = 0.2): PairedRun {
  return {
    kind: PAIRED_KIND,
    version: PAIRED_VERSION,
    baseline: { ref: 'HEAD~1', gitSha: 'a'.repeat(40) },
    current: { ref: 'HEAD', gitSha: 'b'.repeat(40) },
    sharedData: true,
    startedAt: '2026-12-01T00:00:00Z',
    finishedAt: '2026-12-01T01:00:00Z',
    rounds: Array.from({ length: rounds }, (_, i) => ({
      round: i + 1,
      order: {},
      baseline: syntheticResults({ sampleSeed: seed * 100 + 2 * i, runJitter, scenarios: [...SCENARIOS] }),
      current: plant(syntheticResults({ sampleSeed: seed * 100 + 2 * i + 1, runJitter, scenarios: [...SCENARIOS] })),
    })),
  };
}

test('fitVariancePrior: alike variances give an infinite prior weight, scattered ones a finite one', () => {
  const rng = new Rng(7, 1);
  const sampleVariance = (sigma: number) => {
    const x = [0, 1, 2].map(() => sigma * rng.normal());
    const m = (x[0] + x[1] + x[2]) / 3;
    return x.reduce((s, v) => s + (v - m) ** 2, 0) / 2;
  };
  const alike = fitVariancePrior(Array.from({ length: 400 }, () => sampleVariance(0.1)), 2)!;
  assert.ok(alike.df > 30, `df ${alike.df}`);
  assert.ok(Math.abs(Math.sqrt(alike.s2) - 0.1) < 0.015, `sigma ${Math.sqrt(alike.s2)}`);
  const mixed = fitVariancePrior(Array.from({ length: 400 }, (_, i) => sampleVariance(i % 4 === 0 ? 0.4 : 0.1)), 2)!;
  assert.ok(mixed.df < 10, `df ${mixed.df}`);
});

test('paired A/A: whole-process speed differences of ±20 % are no regression, over 20 runs', () => {
  let alarms = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const c = comparePaired(pairedRun(seed, 3), FAST);
    if (c.regressed) alarms++;
    assert.ok(c.paired.tested > 20);
  }
  assert.is(alarms, 0);
});

test('paired: one query 30 % slower in every round is caught beyond the processes\' speed', () => {
  let caught = 0;
  for (let seed = 31; seed < 41; seed++) {
    const c = comparePaired(pairedRun(seed, 3, (r) => slowDownQuery(r, 'time-index', 'brin', 'range-day', 1.3)), FAST);
    const ids = regressedIds(c);
    assert.ok(ids.every((id) => id.startsWith('time-index/brin/') && id.includes('range-day')), ids.join(', '));
    if (ids.includes('time-index/brin/latency/range-day[forced=enable_seqscan=off;selectivity=day]')) caught++;
    const m = c.metrics.find((x) => x.id === 'time-index/brin/latency/range-day[forced=enable_seqscan=off;selectivity=day]')!;
    assert.is(m.method, 'paired');
    assert.ok(m.change! > 0.15 && m.change! < 0.45, `change ${m.change}`);
  }
  assert.ok(caught >= 9, `caught ${caught} of 10`);
});

test('paired: every query of a scenario 50 % slower shows in its shift rows, not as 50 query regressions', () => {
  const slower = (r: Results) => {
    for (const v of r.scenarios.find((s) => s.name === 'n-plus-one')!.variants) {
      for (const q of v.queries) {
        q.samplesMs = q.samplesMs?.map((x) => x * 1.5);
        for (const k of ['p50', 'p75', 'p99', 'p999', 'mean'] as const) q.latencyMs[k] *= 1.5;
      }
    }
    return r;
  };
  const c = comparePaired(pairedRun(51, 3, slower, 0.03));
  const shifts = (scenario: string) => c.metrics.filter((m) => m.scenario === scenario && m.id.endsWith('/latency-shift'));
  assert.ok(shifts('n-plus-one').length > 0, 'shift rows for n-plus-one');
  for (const m of shifts('n-plus-one')) assert.is(m.verdict, 'regressed', `${m.id}: ${m.reason}`);
  assert.ok(shifts('time-index').length > 0);
  for (const m of shifts('time-index')) assert.is(m.verdict, 'unchanged', `${m.id}: ${m.reason}`);
  // The queries themselves moved with their block: none is called a regression beyond it.
  assert.equal(regressedIds(c).filter((id) => !id.endsWith('/latency-shift')), []);
});

test('parsePaired refuses a document that is not a paired run, naming the round', () => {
  assert.throws(() => parsePaired({ kind: 'something' }));
  const doc = JSON.parse(JSON.stringify(pairedRun(1, 2))) as { rounds: Array<{ current: unknown }> };
  doc.rounds[1].current = { schemaVersion: 1 };
  assert.throws(() => parsePaired(doc), /round 2, current/);
});

test('pgscale compare PAIRED.json: 0 for an A/A, 1 naming the slower query, 2 for a single run given alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgscale-paired-cli-'));
  try {
    const aa = join(dir, 'aa.json');
    writeFileSync(aa, JSON.stringify(pairedRun(61, 3)));
    const ok = await runCli(['compare', aa]);
    assert.is(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /paired over 3 rounds/);
    const ab = join(dir, 'ab.json');
    writeFileSync(ab, JSON.stringify(pairedRun(62, 3, (r) => slowDownQuery(r, 'time-index', 'btree', 'range-week', 1.4))));
    const bad = await runCli(['compare', ab, '--json']);
    assert.is(bad.code, 1, bad.stderr);
    const doc = JSON.parse(bad.stdout) as { metrics: Array<{ id: string; verdict: string; method: string }> };
    assert.ok(doc.metrics.some((m) => m.verdict === 'regressed' && m.method === 'paired' && m.id.startsWith('time-index/btree/latency/range-week')));
    const single = join(dir, 'single.json');
    writeFileSync(single, JSON.stringify(syntheticResults({ sampleSeed: 3 })));
    const usage = await runCli(['compare', single]);
    assert.is(usage.code, 2);
    assert.match(usage.stderr, /two results files, or one paired\.json/);
    const mixed = await runCli(['compare', single, aa]);
    assert.is(mixed.code, 2);
    assert.match(mixed.stderr, /is a paired run: pass it alone/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
