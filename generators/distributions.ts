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

/** Cells of Zipf's lookup table: 2^18 (512 KiB of uint16), enough to answer ~80 % of user draws at 100m. */
const ZIPF_CELLS_LOG2 = 18;
const ZIPF_CELLS = 1 << ZIPF_CELLS_LOG2;
const NO_RANK = 0xffff;

/**
 * zipfRank with its constants computed once, and a lookup table in front of it: a
 * profile showed Math.pow at 8 % of the generator. Cell i of the table covers the
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
