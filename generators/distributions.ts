/**
 * The shapes real traffic has: Zipf-skewed popularity and weighted categorical choices,
 * built once and drawn in O(1) or O(log n) per row.
 */

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

/** zipfRank with its constants computed once: one Math.pow a draw. */
export class Zipf {
  private readonly n: number;
  private readonly c: number;
  private readonly inv: number;
  private readonly harmonic: boolean;

  constructor(n: number, s: number) {
    this.n = n;
    this.harmonic = Math.abs(s - 1) < 1e-9;
    this.c = this.harmonic ? Math.log(n + 1) : Math.pow(n + 1, 1 - s) - 1;
    this.inv = this.harmonic ? 0 : 1 / (1 - s);
  }

  /** The rank in [0, n) for a uniform u in [0, 1). */
  rank(u: number): number {
    if (this.n <= 1) return 0;
    const x = this.harmonic ? Math.exp(u * this.c) - 1 : Math.pow(u * this.c + 1, this.inv) - 1;
    const r = Math.floor(x);
    return r < 0 ? 0 : r >= this.n ? this.n - 1 : r;
  }
}

/** A categorical distribution over codes, drawn with one uniform and a short scan. */
export class Categorical {
  private readonly cdf: Float64Array;
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
