/**
 * The shapes real traffic has: Zipf-skewed popularity and weighted categorical choices,
 * built once and drawn in O(1) or O(log n) per row.
 */
import { LOGNORMAL } from './kernel-layout.ts';

/**
 * Zipf-like rank in [0, n) with exponent s, by inverting the continuous power-law CDF
 * (a bounded Pareto): closed form, no table, exact enough for "a few users are very
 * active". Rank 0 is the most popular.
 */
export function zipfRank(u: number, n: number, s: number): number {
  if (n <= 1) return 0;
  if (Math.abs(s - 1) < 1e-9) return Math.min(n - 1, Math.floor(Math.exp(u * Math.log(n + 1)) - 1));
  const a = 1 - s;
  const x = Math.pow(u * (Math.pow(n + 1, a) - 1) + 1, 1 / a) - 1;
  return Math.min(n - 1, Math.max(0, Math.floor(x)));
}

/** Cells of Zipf's lookup table: 2^18 (512 KiB of uint16), enough to answer ~80 % of user draws at 100m. */
const ZIPF_CELLS_LOG2 = 18;
const ZIPF_CELLS = 1 << ZIPF_CELLS_LOG2;
const NO_RANK = 0xffff;

/**
 * zipfRank with its constants computed once, and a lookup table in front of it: Math.pow
 * per draw was a visible share of the generator's profile. Cell i of the table covers the
 * uniforms [i, i + 1) / 2^18; where every uniform of a cell maps to one rank (the popular
 * ranks, which most draws land on) the table holds it, elsewhere NO_RANK and the closed form
 * decides. The result is exactly the closed form's for every uniform that is a multiple
 * of 2^-32 (every Rng draw and hash01 value).
 */
export class Zipf {
  private readonly n: number;
  private readonly c: number;
  private readonly inv: number;
  private readonly harmonic: boolean;
  private readonly table: Uint16Array;

  constructor(n: number, s: number) {
    this.n = n;
    this.harmonic = Math.abs(s - 1) < 1e-9;
    this.c = this.harmonic ? Math.log(n + 1) : Math.pow(n + 1, 1 - s) - 1;
    this.inv = this.harmonic ? 0 : 1 / (1 - s);
    this.table = new Uint16Array(ZIPF_CELLS); // all rank 0: right as it stands for n <= 1
    if (n <= 1) return;
    // The uniforms the generators draw are multiples of 2^-32: the last one of cell i is
    // (i + 1) / 2^18 - 2^-32. A margin of 1e-9 keeps a rank boundary that falls inside
    // a cell (within floating-point error of the closed form) out of the table.
    const last = 2 ** -32;
    let xLo = this.x(0);
    for (let i = 0; i < ZIPF_CELLS; i++) {
      const xHi = this.x((i + 1) / ZIPF_CELLS - last);
      const margin = 1e-9 * Math.max(1, xHi);
      const r = this.clamp(Math.floor(xLo - margin));
      this.table[i] = r < NO_RANK && r === this.clamp(Math.floor(xHi + margin)) ? r : NO_RANK;
      xLo = this.x((i + 1) / ZIPF_CELLS);
    }
  }

  /** The rank in [0, n) for a uniform u in [0, 1). */
  rank(u: number): number {
    const r = this.table[Math.floor(u * ZIPF_CELLS)];
    return r !== NO_RANK ? r : this.exact(u);
  }

  /** The closed form (what the table caches). */
  exact(u: number): number {
    if (this.n <= 1) return 0;
    return this.clamp(Math.floor(this.x(u)));
  }

  private x(u: number): number {
    return this.harmonic ? Math.exp(u * this.c) - 1 : Math.pow(u * this.c + 1, this.inv) - 1;
  }

  private clamp(r: number): number {
    return r < 0 ? 0 : r >= this.n ? this.n - 1 : r;
  }
}

// Acklam's rational approximation of the standard normal quantile: relative error below
// 1.15e-9 over (0, 1) (P. J. Acklam, "An algorithm for computing the inverse normal
// cumulative distribution function", 2003).
const ACKLAM_A = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
const ACKLAM_B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const ACKLAM_C = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const ACKLAM_D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const ACKLAM_LOW = 0.02425;

function acklamTail(q: number): number {
  const [c0, c1, c2, c3, c4, c5] = ACKLAM_C;
  const [d0, d1, d2, d3] = ACKLAM_D;
  return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
}

/** The standard normal quantile Φ⁻¹(p): -Infinity at 0, +Infinity at 1. */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  if (p < ACKLAM_LOW) return acklamTail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - ACKLAM_LOW) return -acklamTail(Math.sqrt(-2 * Math.log(1 - p)));
  const [a0, a1, a2, a3, a4, a5] = ACKLAM_A;
  const [b0, b1, b2, b3, b4] = ACKLAM_B;
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

/** Cells of a LogNormal quantile table, and cells at each end computed exactly (where the quantile bends fast): the row kernel's too. */
const { cells: LOGNORMAL_CELLS, tail: TAIL } = LOGNORMAL;

/**
 * A log-normal distribution drawn from one uniform by its quantile function: exp(mu +
 * sigma Φ⁻¹(u)) tabulated at LOGNORMAL.cells cell edges, linear inside a cell, and
 * computed exactly in the LOGNORMAL.tail outermost cells at each end (kernel-spec.mjs),
 * where the function bends too fast for a straight line. Box–Muller (Rng.logNormal) cost
 * a log, a square root, a sine or cosine and an exp per draw, a large share of a message
 * row's cost. For sigma up to 1.5 the table is off the exact quantile by under 0.05 %
 * (test/unit/distributions.test.ts).
 */
export class LogNormal {
  /** The quantile at each cell edge (the row kernel reads it too: generators/wasm/row-kernel.ts). */
  readonly q: Float64Array;

  constructor(
    readonly mu: number,
    readonly sigma: number,
  ) {
    this.q = new Float64Array(LOGNORMAL_CELLS + 1);
    for (let i = 1; i < LOGNORMAL_CELLS; i++) this.q[i] = this.exact(i / LOGNORMAL_CELLS);
  }

  /** The value at quantile u in [0, 1). */
  at(u: number): number {
    const x = u * LOGNORMAL_CELLS;
    const i = x | 0;
    if (i < TAIL || i >= LOGNORMAL_CELLS - TAIL) return this.exact(u);
    const q = this.q;
    return q[i] + (x - i) * (q[i + 1] - q[i]);
  }

  /** The exact quantile (what the table holds at its edges). */
  exact(u: number): number {
    return Math.exp(this.mu + this.sigma * normalQuantile(u));
  }
}

/** A categorical distribution over codes, drawn with one uniform and a short scan. */
export class Categorical {
  /** Cumulative probability per code (the row kernel reads it too). */
  readonly cdf: Float64Array;
  readonly codes: readonly number[];

  /** @param weights code → relative weight */
  constructor(weights: Record<number, number>) {
    const entries = Object.entries(weights).filter(([, w]) => w > 0);
    const total = entries.reduce((s, [, w]) => s + w, 0);
    this.codes = entries.map(([c]) => Number(c));
    this.cdf = new Float64Array(entries.length);
    let acc = 0;
    entries.forEach(([, w], i) => {
      acc += w / total;
      this.cdf[i] = acc;
    });
    this.cdf[entries.length - 1] = 1;
  }

  /** The code for a uniform u in [0, 1). */
  pick(u: number): number {
    const cdf = this.cdf;
    let i = 0;
    while (u >= cdf[i]) i++;
    return this.codes[i];
  }
}

/** Split total into integer parts proportional to weights that add up exactly (largest remainder). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  const raw = weights.map((w) => (total * w) / sum);
  const parts = raw.map(Math.floor);
  let left = total - parts.reduce((s, p) => s + p, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  for (let j = 0; left > 0; j = (j + 1) % order.length, left--) parts[order[j][1]]++;
  return parts;
}
