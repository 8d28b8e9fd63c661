/**
 * The statistics the regression gate decides with: medians and quantiles, the
 * Mann–Whitney U test, a seeded percentile bootstrap of the ratio of two medians (and of
 * the difference of two means, for mostly-zero rates), a robust z-score, and Pettitt's
 * change-point test. All pure and deterministic (every resampling draws from a seeded
 * PRNG), so the same inputs always give the same verdict.
 *
 * Written here rather than taken from a library because the libraries at hand either
 * lack p-values for these tests or resample with Math.random(), which would make the
 * gate non-reproducible. The draws come from generators/rng.ts's seeded Rng. Student's t
 * (the paired and history tests) comes from jStat; the empirical Bayes prior of the paired
 * test (digamma, trigamma and limma's moment fit) is written out below.
 */
import jstat from 'jstat';
import { Rng } from '../generators/rng.ts';

// jStat is CommonJS: its one export object, unwrapped.
const { jStat } = jstat;

/** Median of a sample (NaN when empty). Does not modify its input. */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** The q-quantile (0..1) with linear interpolation between order statistics (type 7). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = Float64Array.from(xs).sort();
  return quantileSorted(sorted, q);
}

/** The q-quantile of an already ascending-sorted sample. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Standard normal CDF via the complementary error function (Numerical Recipes' erfc
 * Chebyshev fit, |error| < 1.2e-7: plenty for p-values reported to 3 digits).
 */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
          t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

export interface MannWhitneyResult {
  /** U statistic of the first sample. */
  u: number;
  /** Normal-approximation z score (tie- and continuity-corrected); positive when b tends larger. */
  z: number;
  /** Two-sided p-value. */
  pValue: number;
  /** P(b > a) + P(b = a)/2: 0.5 means no shift, 1 means every b exceeds every a. */
  probabilityBGreater: number;
}

/**
 * Two-sided Mann–Whitney U (Wilcoxon rank-sum) test with the normal approximation,
 * average ranks for ties and the tie correction of the variance. Suitable from about
 * 8 samples per side; below that the p-value is approximate.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { u: Number.NaN, z: 0, pValue: 1, probabilityBGreater: 0.5 };
  const all: Array<{ v: number; fromA: boolean }> = [];
  for (const v of a) all.push({ v, fromA: true });
  for (const v of b) all.push({ v, fromA: false });
  all.sort((x, y) => x.v - y.v);
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const avgRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let k = i; k <= j; k++) if (all[k].fromA) rankSumA += avgRank;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  const uA = rankSumA - (n1 * (n1 + 1)) / 2;
  const uB = n1 * n2 - uA;
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u: uA, z: 0, pValue: 1, probabilityBGreater: 0.5 };
  const diff = uB - mean;
  const corrected = Math.max(0, Math.abs(diff) - 0.5);
  const z = (Math.sign(diff) * corrected) / Math.sqrt(variance);
  const pValue = Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
  return { u: uA, z, pValue, probabilityBGreater: uB / (n1 * n2) };
}

/** The Rng stream the bootstrap draws from (generators use their own streams). */
const BOOTSTRAP_STREAM = 0x5eed_b007;

/** Gamma(shape, 1) draw, Marsaglia & Tsang (2000); shape < 1 via the boost u^(1/shape). */
function gammaDraw(shape: number, rng: Rng): number {
  if (shape < 1) return gammaDraw(shape + 1, rng) * Math.pow(Math.max(rng.next(), Number.MIN_VALUE), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

function betaDraw(a: number, b: number, rng: Rng): number {
  const x = gammaDraw(a, rng);
  return x / (x + gammaDraw(b, rng));
}

/**
 * The median of one bootstrap resample of an ascending-sorted sample, drawn in O(1).
 * Resampling n indices uniformly and taking their m-th smallest is floor(n·U(m)), where
 * the m-th order statistic of n uniforms U(m) ~ Beta(m, n+1-m); for even n the next one
 * is U(m) + (1-U(m))·(1 - u^(1/(n-m))), the minimum of the n-m uniforms above it. So
 * this has exactly the distribution of the textbook bootstrap median, without touching
 * all n values per round.
 */
function resampledMedian(sorted: ArrayLike<number>, rng: Rng): number {
  const n = sorted.length;
  if (n === 1) return sorted[0];
  const at = (u: number) => sorted[Math.min(n - 1, Math.floor(n * u))];
  if (n % 2 === 1) {
    const m = (n + 1) / 2;
    return at(betaDraw(m, n + 1 - m, rng));
  }
  const m = n / 2;
  const lower = betaDraw(m, n + 1 - m, rng);
  const upper = lower + (1 - lower) * (1 - Math.pow(Math.max(rng.next(), Number.MIN_VALUE), 1 / (n - m)));
  return (at(lower) + at(upper)) / 2;
}

export interface BootstrapOptions {
  /** Resampling rounds. @default 1000 */
  iterations?: number;
  /** Two-sided confidence level. @default 0.95 */
  confidence?: number;
  /** PRNG seed: the same seed gives the same interval. @default 1 */
  seed?: number;
  /** A ratio band [low, high]: the result then says which share of resampled ratios fell inside it. */
  band?: readonly [number, number];
}

export interface RatioInterval {
  /** median(b) / median(a) of the observed samples. */
  ratio: number;
  lower: number;
  upper: number;
  /** Share of resampled ratios inside `band`, when one was given. */
  fractionInBand?: number;
}

/**
 * Percentile-bootstrap confidence interval of median(b) / median(a), resampling each
 * side independently with a seeded PRNG.
 */
export function bootstrapMedianRatio(a: readonly number[], b: readonly number[], opts: BootstrapOptions = {}): RatioInterval {
  const iterations = opts.iterations ?? 1000;
  const confidence = opts.confidence ?? 0.95;
  const ratio = median(b) / median(a);
  if (a.length === 0 || b.length === 0) return { ratio, lower: Number.NaN, upper: Number.NaN };
  const rng = new Rng(opts.seed ?? 1, BOOTSTRAP_STREAM);
  const sortedA = Float64Array.from(a).sort();
  const sortedB = Float64Array.from(b).sort();
  const ratios = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    ratios[i] = resampledMedian(sortedB, rng) / resampledMedian(sortedA, rng);
  }
  ratios.sort();
  const tail = (1 - confidence) / 2;
  const out: RatioInterval = { ratio, lower: quantileSorted(ratios, tail), upper: quantileSorted(ratios, 1 - tail) };
  if (opts.band) {
    const [lo, hi] = opts.band;
    let inside = 0;
    for (const r of ratios) if (r >= lo && r <= hi) inside++;
    out.fractionInBand = inside / iterations;
  }
  return out;
}

export interface DifferenceInterval {
  /** mean(b) - mean(a) of the observed samples. */
  difference: number;
  lower: number;
  upper: number;
  /** Share of resampled differences inside `band`, when one was given. */
  fractionInBand?: number;
}

/**
 * Percentile-bootstrap confidence interval of mean(b) - mean(a), resampling each side
 * independently with a seeded PRNG. For rates that are mostly zero (errors per second of
 * a load test): their medians stay 0 while the rate changes, and a ratio from zero is
 * infinite. `band` here is a band of differences, not of ratios.
 */
export function bootstrapMeanDifference(a: readonly number[], b: readonly number[], opts: BootstrapOptions = {}): DifferenceInterval {
  const iterations = opts.iterations ?? 1000;
  const confidence = opts.confidence ?? 0.95;
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const difference = mean(b) - mean(a);
  if (a.length === 0 || b.length === 0) return { difference, lower: Number.NaN, upper: Number.NaN };
  const rng = new Rng(opts.seed ?? 1, BOOTSTRAP_STREAM);
  const resampledMean = (xs: readonly number[]) => {
    let sum = 0;
    for (let i = 0; i < xs.length; i++) sum += xs[rng.int(xs.length)];
    return sum / xs.length;
  };
  const diffs = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) diffs[i] = resampledMean(b) - resampledMean(a);
  diffs.sort();
  const tail = (1 - confidence) / 2;
  const out: DifferenceInterval = { difference, lower: quantileSorted(diffs, tail), upper: quantileSorted(diffs, 1 - tail) };
  if (opts.band) {
    const [lo, hi] = opts.band;
    let inside = 0;
    for (const d of diffs) if (d >= lo && d <= hi) inside++;
    out.fractionInBand = inside / iterations;
  }
  return out;
}

/**
 * Holm's step-down adjustment of p-values for testing many metrics at once: rejecting
 * where the adjusted p < alpha keeps the chance of any false alarm in the family at
 * most alpha. Returned in the input order.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

/** Median absolute deviation scaled by 1.4826 to estimate a normal sigma. */
export function robustSigma(xs: readonly number[]): number {
  const m = median(xs);
  return 1.4826 * median(xs.map((x) => Math.abs(x - m)));
}

export interface ChangePoint {
  /** Index of the first point after the change. */
  index: number;
  /** Approximate p-value of Pettitt's statistic. */
  pValue: number;
}

/**
 * Pettitt's (1979) non-parametric test for one change in location: the split that
 * maximises |sum of sign(x_i - x_j)| over i before and j after it, with the
 * approximate p-value 2·exp(-6K² / (n³ + n²)). Returns undefined for fewer than 3 points.
 */
export function pettitt(xs: readonly number[]): ChangePoint | undefined {
  const n = xs.length;
  if (n < 3) return undefined;
  let u = 0;
  let best = 0;
  let bestIndex = 1;
  // U_t = U_{t-1} + sum_j sign(x_t - x_j): O(n²), fine for a few hundred nightly runs.
  for (let t = 0; t < n - 1; t++) {
    for (let j = 0; j < n; j++) u += Math.sign(xs[t] - xs[j]);
    if (Math.abs(u) > best) {
      best = Math.abs(u);
      bestIndex = t + 1;
    }
  }
  const pValue = Math.min(1, 2 * Math.exp((-6 * best * best) / (n * n * n + n * n)));
  return { index: bestIndex, pValue };
}

/** Digamma ψ(x), x > 0: recurrence up to x ≥ 6, then the asymptotic series. */
export function digamma(x: number): number {
  let acc = 0;
  while (x < 6) {
    acc -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return acc + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

/** Trigamma ψ′(x), x > 0: recurrence up to x ≥ 6, then the asymptotic series. */
export function trigamma(x: number): number {
  let acc = 0;
  while (x < 6) {
    acc += 1 / (x * x);
    x += 1;
  }
  const f = 1 / (x * x);
  return acc + 1 / x + f / 2 + (f / x) * (1 / 6 - f * (1 / 30 - f * (1 / 42 - f / 30)));
}

/** Tetragamma ψ″(x), x > 0: recurrence up to x ≥ 6, then the asymptotic series. */
export function tetragamma(x: number): number {
  let acc = 0;
  while (x < 6) {
    acc -= 2 / (x * x * x);
    x += 1;
  }
  const f = 1 / (x * x);
  return acc - f * (1 + 1 / x + f * (0.5 - f * (1 / 6 - f * (1 / 6 - f * (3 / 10 - (5 / 6) * f)))));
}

/** The y with trigamma(y) = x (x > 0), by limma's Newton iteration (Smyth 2004). */
export function trigammaInverse(x: number): number {
  if (x > 1e7) return 1 / Math.sqrt(x);
  if (x < 1e-6) return 1 / x;
  let y = 0.5 + 1 / x;
  for (let i = 0; i < 50; i++) {
    const tri = trigamma(y);
    const dif = (tri * (1 - tri / x)) / tetragamma(y);
    y += dif;
    if (-dif / y < 1e-8) break;
  }
  return y;
}

export interface VariancePrior {
  /** Prior variance s0². */
  s2: number;
  /** Prior degrees of freedom d0 (Infinity: the variances are all alike). */
  df: number;
}

/**
 * Empirical Bayes prior for many sample variances, each with `df` degrees of freedom
 * (limma's fitFDist, Smyth 2004, by moments of log s²): how large a variance is typical,
 * and how much the metrics' own variances scatter around it. Zero variances are left out.
 */
export function fitVariancePrior(variances: readonly number[], df: number): VariancePrior | undefined {
  const logs = variances.filter((v) => v > 0 && Number.isFinite(v)).map(Math.log);
  if (logs.length < 3 || df <= 0) return undefined;
  const e = logs.map((z) => z - digamma(df / 2) + Math.log(df / 2));
  const mean = e.reduce((s, x) => s + x, 0) / e.length;
  const spread = e.reduce((s, x) => s + (x - mean) ** 2, 0) / (e.length - 1) - trigamma(df / 2);
  if (spread <= 0) return { s2: Math.exp(mean), df: Infinity };
  const d0 = 2 * trigammaInverse(spread);
  return { s2: Math.exp(mean + digamma(d0 / 2) - Math.log(d0 / 2)), df: d0 };
}

/** Student's t: two-sided p-value of |t| with df degrees of freedom (df = Infinity: the normal). */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return 2 * (1 - jStat.studentt.cdf(Math.abs(t), Number.isFinite(df) ? df : 1e6));
}

/** Student's t: the q-quantile with df degrees of freedom (df = Infinity: the normal). */
export function studentQuantile(q: number, df: number): number {
  return jStat.studentt.inv(q, Number.isFinite(df) ? df : 1e6);
}

/** Sample variance (n - 1 in the denominator; 0 for fewer than two values). */
export function sampleVariance(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  return xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
}
