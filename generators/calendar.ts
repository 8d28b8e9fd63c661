/**
 * When things happen: a fixed span of months (fixed, not "now", so data is a pure function
 * of seed and scale) with a diurnal cycle (quiet at night, peak mid-afternoon UTC) and a
 * weekly one (weekends quieter), and month volumes growing over the span like a young
 * platform's traffic.
 */

/** The generated span starts here; `--months` counts forward from it. */
export const SPAN_START_MS = Date.UTC(2025, 0, 1);
const HOUR_MS = 3_600_000;

/** Relative traffic by hour of day (UTC): a working-day peak and an evening bump. */
export function diurnalWeight(hour: number): number {
  return 0.12 + 0.88 * Math.exp(-((hour - 14) ** 2) / 18) + 0.35 * Math.exp(-((hour - 20.5) ** 2) / 4);
}

/** Relative traffic by day of week (0 = Sunday). */
export function weekdayWeight(dow: number): number {
  return dow === 0 ? 0.55 : dow === 6 ? 0.65 : 1;
}

const monthStarts: number[] = [];
/** First millisecond of month m of the span (m may equal months for the end). Cached: rows ask often. */
export function monthStartMs(m: number): number {
  let v = monthStarts[m];
  if (v === undefined) {
    const d = new Date(SPAN_START_MS);
    v = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + m, 1);
    monthStarts[m] = v;
  }
  return v;
}

/** `YYYY-MM-01` of month m, for partition DDL. */
export function monthDate(m: number): string {
  return new Date(monthStartMs(m)).toISOString().slice(0, 10);
}

/** Relative volume of month m: days in the month × linear growth from 1 to 2 over the span. */
export function monthWeight(m: number, months: number): number {
  const days = (monthStartMs(m + 1) - monthStartMs(m)) / (24 * HOUR_MS);
  return days * (1 + (months > 1 ? m / (months - 1) : 0));
}

/**
 * A clock over a time range whose "mass" axis [0, 1) is spread by traffic intensity:
 * uniform mass maps to realistic timestamps, and increasing mass to increasing time.
 */
export class TrafficClock {
  private readonly startMs: number;
  private readonly cdf: Float64Array;

  constructor(startMs: number, endMs: number) {
    this.startMs = startMs;
    const hours = Math.max(1, Math.round((endMs - startMs) / HOUR_MS));
    this.cdf = new Float64Array(hours + 1);
    let acc = 0;
    for (let h = 0; h < hours; h++) {
      const t = new Date(startMs + h * HOUR_MS);
      acc += diurnalWeight(t.getUTCHours()) * weekdayWeight(t.getUTCDay());
      this.cdf[h + 1] = acc;
    }
    for (let h = 0; h <= hours; h++) this.cdf[h] /= acc;
  }

  /** Hour cell of the last call: rows ask in increasing mass, mostly within one hour. */
  private hint = 0;

  /** Epoch milliseconds at a mass in [0, 1]: binary search on the hourly CDF, linear inside the hour. */
  at(mass: number): number {
    const cdf = this.cdf;
    if (mass >= 1) return this.startMs + (cdf.length - 1) * HOUR_MS - 1;
    let lo = this.hint;
    let hi = lo + 1;
    // The search ends on the one hour with cdf[lo] <= mass < cdf[lo + 1] (every hour has
    // weight > 0): when the last call's hour satisfies that, it is the same answer.
    if (!(cdf[lo] <= mass && mass < cdf[hi])) {
      lo = 0;
      hi = cdf.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid] <= mass) lo = mid;
        else hi = mid;
      }
      this.hint = lo;
    }
    const frac = (mass - cdf[lo]) / (cdf[hi] - cdf[lo] || 1);
    return this.startMs + (lo + frac) * HOUR_MS;
  }
}
