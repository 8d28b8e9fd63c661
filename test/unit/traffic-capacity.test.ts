import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CapacityStep, type StepPhase, judgeStep, searchCapacity } from '../../bench/traffic/capacity.ts';
import { capacityJudgements } from '../../reports/compare-capacity.ts';
import type { CapacityResult, Results } from '../../reports/schema.ts';
import { capacityFinding } from '../../scenarios/capacity/index.ts';
import { syntheticResults } from '../fixtures/synthetic-results.ts';

/** A server that meets the objective up to `capacity` tx/s, and a client that manages `clientLimit`. */
function model(capacity: number, clientLimit = Infinity) {
  const tried: Array<[number, StepPhase]> = [];
  const measure = async (rate: number, phase: StepPhase): Promise<CapacityStep> => {
    tried.push([rate, phase]);
    const over = rate > capacity;
    const m = {
      rate,
      achievedRate: Math.min(rate, capacity * 1.1, clientLimit),
      transactions: Math.round(rate * 10),
      errors: 0,
      dropped: 0,
      p50Ms: over ? 300 : 2,
      p99Ms: over ? 900 : 20,
      p999Ms: over ? 950 : 30,
      clientBound: rate > clientLimit,
      sloMet: !over,
    };
    return { phase, ...m, ...judgeStep(m) };
  };
  return { measure, tried };
}

test('the search brackets the capacity within the stated precision and confirms 90 % of it', async () => {
  const m = model(1234);
  const r = await searchCapacity(m.measure, { startRate: 100, precision: 0.05 });
  assert.ok(r.low <= 1234 && r.high > 1234, `bracket ${r.low}–${r.high}`);
  assert.ok((r.high - r.low) / r.low <= 0.05, `width ${((r.high - r.low) / r.low).toFixed(3)}`);
  assert.is(r.maxRate, r.low);
  assert.is(r.limitedBy, 'latency');
  assert.ok(r.confirmation && r.confirmation.met && r.confirmation.windows.length === 3);
  assert.ok(Math.abs(r.confirmation!.rate - 0.9 * r.low) <= 0.01 * r.low);
  // Ramp ×1.5 from 100 until it fails, then bisection only inside the bracket.
  const ramp = m.tried.filter(([, p]) => p === 'ramp').map(([x]) => x);
  assert.equal(ramp.slice(0, 3), [100, 150, 225]);
  assert.ok(m.tried.filter(([, p]) => p === 'bisect').every(([x]) => x > ramp.at(-2)! && x < ramp.at(-1)!));
});

test('a first step that fails makes the search come down until one passes', async () => {
  const r = await searchCapacity(model(40).measure, { startRate: 500 });
  assert.ok(r.low <= 40 && r.high > 40 && r.low > 0, `bracket ${r.low}–${r.high}`);
});

test('when the client is the limit, the search says so instead of blaming the database', async () => {
  const r = await searchCapacity(model(5000, 800).measure, { startRate: 100 });
  assert.is(r.limitedBy, 'client');
  assert.ok(r.maxRate <= 800);
  assert.match(capacityFinding(asResult(r)), 'the client was the limit');
});

test('a step that dropped transactions or fell short of the offered rate fails, even within the SLO', () => {
  const base = { rate: 1000, achievedRate: 1000, transactions: 10_000, errors: 0, dropped: 0, p50Ms: 1, p99Ms: 5, p999Ms: 9, clientBound: false, sloMet: true };
  assert.equal(judgeStep(base), { passed: true });
  assert.equal(judgeStep({ ...base, dropped: 3 }), { passed: false, limitedBy: 'rate' });
  assert.equal(judgeStep({ ...base, achievedRate: 850 }), { passed: false, limitedBy: 'rate' });
  assert.equal(judgeStep({ ...base, sloMet: false, errorsMet: false }), { passed: false, limitedBy: 'errors' });
  assert.equal(judgeStep({ ...base, sloMet: false }), { passed: false, limitedBy: 'latency' });
  assert.equal(judgeStep({ ...base, clientBound: true, sloMet: false }), { passed: false, limitedBy: 'client' });
});

test('a capacity whose confirmation does not hold is searched again below it', async () => {
  // Short steps pass up to 1000 tx/s, but held longer only 700 does: a step's luck.
  const measure = async (rate: number, phase: StepPhase): Promise<CapacityStep> => {
    const ok = phase === 'confirm' ? rate <= 700 : rate <= 1000 && !(phase === 'bisect' && rate > 700 && rate <= 1000 && confirmedOnce);
    const m = { rate, achievedRate: rate, transactions: 1, errors: 0, dropped: 0, p50Ms: 1, p99Ms: ok ? 10 : 900, p999Ms: ok ? 20 : 950, clientBound: false, sloMet: ok };
    if (phase === 'confirm' && !ok) confirmedOnce = true;
    return { phase, ...m, ...judgeStep(m) };
  };
  let confirmedOnce = false;
  const r = await searchCapacity(measure, { startRate: 300 });
  assert.ok(r.maxRate <= 700 && r.maxRate > 600, `capacity ${r.maxRate}`);
  assert.ok(r.confirmation?.met, 'the second confirmation held');
  assert.match(r.note ?? '', 'did not hold the objective in a longer confirmation');
});

test('no failing step within the budget is said plainly', async () => {
  const r = await searchCapacity(model(1e9).measure, { startRate: 10, maxSteps: 4, confirmWindows: 0 });
  assert.is(r.maxRate, 33.8);
  assert.match(r.note ?? '', 'no step failed in 4 steps');
});

function asResult(r: Awaited<ReturnType<typeof searchCapacity>>, extra: Partial<CapacityResult> = {}): CapacityResult {
  return { slo: 'p99<50ms,errors<0.1%', maxRate: r.maxRate, low: r.low, high: r.high, limitedBy: r.limitedBy, clients: 8, stepSeconds: 8, steps: r.steps, confirmation: r.confirmation, ...extra };
}

function withCapacity(low: number, high: number, limitedBy: CapacityResult['limitedBy'] = 'latency'): Results {
  const r = syntheticResults();
  r.scenarios.push({ name: 'capacity', status: 'ok', finding: 'x', variants: [], metrics: { maxRate: low, maxRateLow: low, maxRateHigh: high }, capacity: { slo: 'p99<50ms', maxRate: low, low, high, limitedBy, clients: 8, stepSeconds: 8, steps: [] } });
  return r;
}

test('the capacity gate: an A/A pair within the noise is unchanged, a planted 50 % drop is a regression', () => {
  const id = 'capacity/-/metric/maxRate';
  assert.is(capacityJudgements(withCapacity(1000, 1040), withCapacity(920, 960)).get(id)?.verdict, 'unchanged');
  assert.is(capacityJudgements(withCapacity(1000, 1040), withCapacity(1060, 1100)).get(id)?.verdict, 'unchanged');
  // A 33 % drop is what two searches of one build showed here: within the 40 % floor.
  assert.is(capacityJudgements(withCapacity(1000, 1040), withCapacity(670, 700)).get(id)?.verdict, 'unchanged');
  const drop = capacityJudgements(withCapacity(1000, 1040), withCapacity(500, 530)).get(id);
  assert.is(drop?.verdict, 'regressed');
  assert.match(drop!.reason, 'capacity fell 50 %');
  assert.is(capacityJudgements(withCapacity(1000, 1040), withCapacity(1500, 1550)).get(id)?.verdict, 'improved');
  // A drop past the floor whose brackets still overlap cannot be told from noise.
  assert.is(capacityJudgements(withCapacity(1000, 1600), withCapacity(550, 1100)).get(id)?.verdict, 'inconclusive');
  assert.is(capacityJudgements(withCapacity(1000, 1040), withCapacity(500, 520, 'client')).get(id)?.verdict, 'inconclusive');
});

test.run();
