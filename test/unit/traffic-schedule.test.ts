import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Arrivals, RateProfile, parseDuration, parseRate, parseStages } from '../../bench/traffic/schedule.ts';
import { judgeSlo, parseSlo } from '../../bench/traffic/slo.ts';
import { PgscaleError } from '../../core/errors.ts';
import { Rng } from '../../generators/rng.ts';

function usage(fn: () => unknown): PgscaleError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, PgscaleError);
    assert.is((err as PgscaleError).exitCode, 2);
    return err as PgscaleError;
  }
  throw new Error('expected a usage error');
}

test('durations read as seconds in every unit people write', () => {
  assert.is(parseDuration('--duration', '90'), 90);
  assert.is(parseDuration('--duration', '90s'), 90);
  assert.is(parseDuration('--duration', '1500ms'), 1.5);
  assert.is(parseDuration('--duration', '2m'), 120);
  assert.is(parseDuration('--duration', '1m30s'), 90);
  assert.is(parseDuration('--duration', '1h'), 3600);
  assert.match(usage(() => parseDuration('--duration', 'soon')).message, "invalid --duration 'soon'");
  assert.match(usage(() => parseDuration('--duration', '-5s')).message, 'invalid --duration');
});

test('a rate must be a positive number', () => {
  assert.is(parseRate('250'), 250);
  assert.is(parseRate('2.5'), 2.5);
  for (const bad of ['0', '-5', 'fast', '']) assert.match(usage(() => parseRate(bad)).message, `invalid --rate '${bad}'`);
});

test('stages parse as DURATION:RATE pairs and refuse what offers nothing', () => {
  assert.equal(parseStages('30s:100,60s:500,30s:0'), [
    { durationSeconds: 30, rate: 100 },
    { durationSeconds: 60, rate: 500 },
    { durationSeconds: 30, rate: 0 },
  ]);
  assert.match(usage(() => parseStages('30s:100,banana')).message, "'banana' is not DURATION:RATE");
  assert.match(usage(() => parseStages('10s:0')).message, 'offer no transactions');
});

test('a ramp offers the area under its rate, and its inverse finds the time of each arrival', () => {
  // 0 → 100/s over 10 s, then 100 → 300/s over 10 s: 500 + 2000 arrivals.
  const p = new RateProfile(0, [
    { durationSeconds: 10, rate: 100 },
    { durationSeconds: 10, rate: 300 },
  ]);
  assert.is(p.endSeconds, 20);
  assert.ok(Math.abs(p.cumulative(10) - 500) < 1e-9);
  assert.ok(Math.abs(p.cumulative(20) - 2500) < 1e-9);
  assert.ok(Math.abs(p.rateAt(15) - 200) < 1e-9);
  for (const t of [0.5, 3, 9.9, 10, 12.5, 19.99]) assert.ok(Math.abs(p.inverse(p.cumulative(t)) - t) < 1e-6, `inverse at ${t}`);
  assert.is(p.inverse(2501), Infinity);
});

test('uniform arrivals are evenly spaced from the start (no drift), Poisson ones average the rate', () => {
  const uniform = new Arrivals(RateProfile.constant(200, 10), 'uniform', () => 0);
  const times: number[] = [];
  for (let t = uniform.next(); t < Infinity; t = uniform.next()) times.push(t);
  assert.is(times.length, 2000);
  assert.ok(Math.abs(times[1999] - 1999 / 200) < 1e-9, 'the 2000th arrival is at 1999 × period, not accumulated');
  const rng = new Rng(1, 2, 3);
  const poisson = new Arrivals(RateProfile.constant(1000, 100), 'poisson', () => rng.next());
  let n = 0;
  let gaps = 0;
  let last = 0;
  let sq = 0;
  for (let t = poisson.next(); t < Infinity; t = poisson.next()) {
    n++;
    sq += (t - last) ** 2;
    gaps += t - last;
    last = t;
  }
  assert.ok(Math.abs(n / 100_000 - 1) < 0.02, `${n} arrivals at 1000/s over 100 s`);
  const mean = gaps / n;
  // Exponential gaps: the standard deviation equals the mean.
  assert.ok(Math.abs(Math.sqrt(sq / n - mean * mean) / mean - 1) < 0.05, 'exponential gaps');
});

test('an SLO reads percentiles, error rates and throughput, and judges each term', () => {
  const slo = parseSlo('p99<50ms,p99.9<0.2s,errors<0.1%,tps>100');
  assert.is(slo.terms.length, 4);
  const v = judgeSlo(slo, { latencyAt: (q) => (q === 99 ? 40 : 250), transactions: 10_000, errors: 5, achievedRate: 120 });
  assert.equal(v.checks.map((c) => c.met), [true, false, true, true]);
  assert.is(v.met, false);
  assert.equal(v.checks[1].limit, 200);
  // No transaction at all meets no latency objective.
  assert.is(judgeSlo(parseSlo('p99<50ms'), { latencyAt: () => 0, transactions: 0, errors: 0, achievedRate: 0 }).met, false);
  assert.match(usage(() => parseSlo('p99 fast')).message, "cannot read 'p99 fast'");
});

test.run();
