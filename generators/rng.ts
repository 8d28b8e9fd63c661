/**
 * Seeded randomness for the row loops: sfc32 (Chris Doty-Humphrey's Small Fast Chaotic
 * PRNG, as in PractRand) on 32-bit integer ops, plus stateless hashes for values that must
 * be a pure function of an index. Never Math.random() in a generator.
 */

/** murmur3's 32-bit finaliser: a bijection on uint32 with good avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash four 32-bit words into one uint32 (fixed arity: rest parameters allocate in the row loop). */
export function hash32(a: number, b: number, c = 0, d = 0): number {
  let h = fmix32((0x9e3779b9 ^ (a >>> 0)) + 0x7f4a7c15);
  h = fmix32((h ^ (b >>> 0)) + 0x7f4a7c15 + Math.imul(h, 31));
  h = fmix32((h ^ (c >>> 0)) + 0x7f4a7c15 + Math.imul(h, 31));
  return fmix32((h ^ (d >>> 0)) + 0x7f4a7c15 + Math.imul(h, 31));
}

/** A uniform float in [0, 1) from a hash of four words. */
export function hash01(a: number, b: number, c = 0, d = 0): number {
  return hash32(a, b, c, d) / 4294967296;
}

/** Output of permute64 (an object reused across calls: no tuple allocation per row). */
export interface Pair {
  hi: number;
  lo: number;
}

/**
 * A keyed bijection on 64-bit values given as two uint32 halves: a 4-round Feistel
 * network. Distinct (hi, lo) give distinct outputs, so ids built from it never collide.
 */
export function permute64(hi: number, lo: number, key: number, out: Pair): Pair {
  let l = hi >>> 0;
  let r = lo >>> 0;
  for (let round = 0; round < 4; round++) {
    const f = fmix32((r ^ Math.imul(key + round, 0x9e3779b1)) >>> 0);
    const nl = r;
    r = (l ^ f) >>> 0;
    l = nl;
  }
  out.hi = l;
  out.lo = r;
  return out;
}

/**
 * sfc32: period ≥ 2^32, passes PractRand to 2^40+ bytes; a few integer ops a draw.
 * The state is kept as int32 (`| 0`), not uint32 (`>>> 0`): a uint32 above 2^31 is not a
 * small integer to V8, so uint32 fields were stored as boxed doubles and every draw
 * allocated (u32/next stood out in the generator's profile). Same bits either way.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream: number, index = 0) {
    this.a = hash32(0xa5a5a5a5, seed, stream, index) | 0;
    this.b = hash32(0x5a5a5a5a, seed, stream, index) | 0;
    this.c = hash32(0x3c3c3c3c, seed, stream, index) | 0;
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32(); // warm-up, as sfc32's author recommends
  }

  /**
   * Write the state into words[at, at + 4): a row kernel goes on with the stream from
   * there. The spare normal() value is not part of it: streams handed to the kernel never
   * draw normals.
   */
  saveTo(words: Int32Array, at: number): void {
    words[at] = this.a;
    words[at + 1] = this.b;
    words[at + 2] = this.c;
    words[at + 3] = this.d;
  }

  /** Take the state back from words[at, at + 4), where a row kernel left it. */
  loadFrom(words: Int32Array, at: number): void {
    this.a = words[at];
    this.b = words[at + 1];
    this.c = words[at + 2];
    this.d = words[at + 3];
  }

  /** A uniform uint32. */
  u32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const d = this.d;
    // Sums of int32s stay exact in doubles (< 2^53), so `| 0` wraps them as uint32 adds would.
    const t = (a + b + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  private spare = NaN;

  /** A standard normal draw (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    const spare = this.spare;
    if (spare === spare) {
      this.spare = NaN;
      return spare;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** A log-normal draw with the given mu and sigma of the underlying normal. */
  logNormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** An exponential draw with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
}
