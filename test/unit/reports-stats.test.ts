import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../generators/rng.ts';
import { bootstrapMedianRatio, holmAdjust, mannWhitneyU, median, normalCdf, pettitt, quantile } from '../../reports/stats.ts';

function lognormal(seed: number, n: number, med: number, sigma = 0.25): number[] {
  const rng = new Rng(seed, 1);
  return Array.from({ length: n }, () => rng.logNormal(Math.log(med), sigma));
}

test('median and quantile interpolate between order statistics', () => {
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([4, 1, 3, 2]), 2.5);
  assert.is(quantile([0, 10], 0.25), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('normalCdf matches known values of the standard normal', () => {
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
  assert.ok(Math.abs(normalCdf(-2.575829) - 0.005) < 1e-6);
});

test('Mann–Whitney U matches a textbook example with ties', () => {
  // scipy.stats.mannwhitneyu([1,2,3,4,5],[3,4,5,6,7,8], use_continuity=True, method='asymptotic'): gives U=4.5, p=0.066015
  const r = mannWhitneyU([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8]);
  assert.is(r.u, 4.5);
  assert.ok(Math.abs(r.pValue - 0.066015) < 1e-5, `p=${r.pValue}`);
  assert.ok(r.z > 0, 'the second sample tends larger');
});

test('Mann–Whitney U finds no difference between identical samples', () => {
  const r = mannWhitneyU([1, 2, 3, 4], [1, 2, 3, 4]);
  assert.is(r.pValue, 1);
  assert.is(r.probabilityBGreater, 0.5);
});

test('the bootstrap interval of the median ratio covers the true ratio and is reproducible', () => {
  const a = lognormal(1, 400, 10);
  const b = lognormal(2, 400, 13);
  const one = bootstrapMedianRatio(a, b, { seed: 7 });
  const two = bootstrapMedianRatio(a, b, { seed: 7 });
  assert.equal(one, two);
  assert.ok(one.lower < 1.3 && one.upper > 1.3, `[${one.lower}, ${one.upper}]`);
  assert.ok(one.lower > 1, 'a 30 % shift is clearly above 1');
});

test('the bootstrap interval is about as wide as the median’s standard error predicts', () => {
  // Sampling sd of a log-normal median ≈ 1.2533·σ/√n per side; the log-ratio's is √2 times that.
  const a = lognormal(3, 1000, 5);
  const b = lognormal(4, 1000, 5);
  const r = bootstrapMedianRatio(a, b, { seed: 1, iterations: 4000, confidence: 0.95 });
  const expected = 2 * 1.96 * Math.SQRT2 * ((1.2533 * 0.25) / Math.sqrt(1000));
  const width = Math.log(r.upper) - Math.log(r.lower);
  assert.ok(width > expected * 0.7 && width < expected * 1.3, `width ${width} vs ${expected}`);
});

test('Holm adjustment multiplies the smallest p by the family size and keeps order', () => {
  assert.equal(holmAdjust([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06]);
  assert.equal(holmAdjust([0.5]), [0.5]);
});

test('Pettitt finds a step change at the right place', () => {
  const xs = [10, 10.2, 9.9, 10.1, 10, 9.8, 12.5, 12.4, 12.6, 12.5, 12.7, 12.3];
  const cp = pettitt(xs);
  assert.ok(cp);
  assert.is(cp!.index, 6);
  assert.ok(cp!.pValue < 0.05, `p=${cp!.pValue}`);
});

test('Pettitt reports no significant change in flat noise', () => {
  const xs = lognormal(9, 30, 10, 0.05);
  assert.ok(pettitt(xs)!.pValue > 0.05);
});

test.run();
