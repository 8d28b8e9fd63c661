/**
 * The latency percentile spectrum of an HdrHistogram, as HdrHistogram's own plotter draws
 * it: latency against percentile on the log scale of 1/(1−q), where 90 %, 99 %, 99.9 % …
 * are evenly spaced, so the tail gets as much room as the body. A position x on that
 * axis is log10(1/(1−q)): 0 is the 0th percentile, 1 is 90 %, 2 is 99 %, 3 is 99.9 %.
 */
import * as hdr from 'hdr-histogram-js';

/** A decoded histogram, or why it could not be decoded (the report shows the reason). */
export type Decoded = { histogram: hdr.Histogram } | { error: string };

/** Decode HdrHistogram's compressed base64 encoding (values in microseconds). */
export function decodeHistogram(base64: string): Decoded {
  if (base64.length === 0) return { error: 'no histogram recorded' };
  try {
    return { histogram: hdr.decodeFromCompressedBase64(base64) };
  } catch (err) {
    return { error: `histogram not decodable: ${(err as Error).message}` };
  }
}

/** Percent (0..100) at position x of the spectrum's axis: 1 → 90, 2 → 99. */
export function percentAt(x: number): number {
  return 100 * (1 - 10 ** -x);
}

/** "0%", "90%", "99%", "99.9%", "99.99%" … for whole positions of the axis. */
export function percentLabel(nines: number): string {
  return nines === 0 ? '0%' : `${(100 - 100 * 10 ** -nines).toFixed(Math.max(0, nines - 2))}%`;
}

/** Fewest nines the axis shows, so spectra of short runs still read on the usual scale. */
const MIN_NINES = 4;
/** Most nines the axis shows. */
const MAX_NINES = 6;

/**
 * How far along the axis a histogram of `count` values reaches: its last value sits at
 * the percentile 1 − 1/count, position log10(count). At least MIN_NINES (beyond the data
 * the line stays at the maximum, as HdrHistogram's plot does), at most MAX_NINES.
 */
export function spectrumReach(count: number): number {
  return Math.min(MAX_NINES, Math.max(MIN_NINES, count > 0 ? Math.log10(count) : 0));
}

/** Labelled ticks up to `reach`: 0%, 90%, 99%, 99.9%, 99.99%, and 99.999% when the data reach it. */
export function spectrumTicks(reach: number): Array<{ x: number; label: string }> {
  const out: Array<{ x: number; label: string }> = [];
  for (let nines = 0; nines <= Math.floor(reach + 1e-9); nines++) out.push({ x: nines, label: percentLabel(nines) });
  return out;
}

export interface SpectrumPoint {
  /** Position on the axis, log10(1/(1−q)). */
  x: number;
  /** The percentile, 0..100. */
  percent: number;
  /** Latency at that percentile, ms. */
  ms: number;
}

/** The spectrum of one histogram (µs) from 0 to `reach`, every `step` along the axis, in ms. */
export function percentileSpectrum(h: hdr.Histogram, reach: number, step = 0.1): SpectrumPoint[] {
  if (h.totalCount === 0) return [];
  const out: SpectrumPoint[] = [];
  const n = Math.ceil(reach / step - 1e-9);
  for (let i = 0; i <= n; i++) {
    const x = Math.min(reach, i * step);
    const percent = percentAt(x);
    out.push({ x, percent, ms: h.getValueAtPercentile(percent) / 1000 });
  }
  return out;
}
