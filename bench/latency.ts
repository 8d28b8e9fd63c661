/**
 * Per-operation latency with tinybench: a warm-up, then as many samples as the time
 * budget allows (never fewer than a minimum, unless one sample alone breaks the hard
 * cap), summarised as p50/p75/p99/p999, mean, sd and rme. A slow variant cannot stall
 * the run: the iteration minimum is cut to what fits the budget, and an AbortSignal
 * stops the task at the hard cap (tinybench then keeps the samples it has:
 * `aborted-with-statistics`).
 */
import assert from 'node:assert/strict';
import type pg from 'pg';
import { Bench } from 'tinybench';
import { quantileSorted } from '../reports/stats.ts';
import { type Guard, StatementTimeout, statementTimeoutGuard } from './timeout.ts';

export interface LatencyOptions {
  /** Time budget for the timed samples of one operation, in ms. @default 1000 */
  timeMs?: number;
  /** Time budget of the warm-up, in ms. @default 200 */
  warmupMs?: number;
  /** Samples wanted at least, when they fit in the hard cap. @default 10 */
  minSamples?: number;
  /** Hard cap of one operation's timed phase, in ms: it is stopped there. @default 3 × timeMs */
  hardCapMs?: number;
  /** Raw samples kept in the result (a deterministic subsample beyond this). @default 2000 */
  keepSamples?: number;
}

/** The resolved options (every field filled). */
export type ResolvedLatencyOptions = Readonly<Required<LatencyOptions>>;

/** Fill the defaults once and check them. */
export function resolveLatencyOptions(opts: LatencyOptions = {}): ResolvedLatencyOptions {
  const timeMs = opts.timeMs ?? 1000;
  const resolved = {
    timeMs,
    warmupMs: opts.warmupMs ?? 200,
    minSamples: opts.minSamples ?? 10,
    hardCapMs: opts.hardCapMs ?? 3 * timeMs,
    keepSamples: opts.keepSamples ?? 2000,
  };
  assert(resolved.timeMs > 0 && resolved.warmupMs >= 0, 'latency budgets must be positive');
  assert(resolved.minSamples >= 1 && resolved.keepSamples >= 2, 'latency sample counts must be positive');
  assert(resolved.hardCapMs >= resolved.timeMs, 'hardCapMs must be at least timeMs');
  return Object.freeze(resolved);
}

/** One operation's latency, in milliseconds: plain data. */
export interface LatencyResult {
  latencyMs: { p50: number; p75: number; p99: number; p999: number; mean: number; min: number; max: number; sd: number };
  /** Relative margin of error of the mean, in percent. */
  rme: number;
  samples: number;
  /** Sorted samples, or an evenly spaced subsample of the order statistics. */
  samplesMs: number[];
  opsPerSecond: number;
  /** `completed`; `capped` when the hard cap stopped the timed phase early; `timed-out` when the probe was cut off at the cap (its latency is then a lower bound). */
  state: LatencyState;
  /** Percentiles with too few samples behind them to be more than the slowest sample (p99 under 100, p999 under 1000). */
  underSampled: UnderSampled[];
}

export type LatencyState = 'completed' | 'capped' | 'timed-out';
export type UnderSampled = 'p99' | 'p999';

/**
 * Which tail percentiles `samples` cannot resolve: a p99 needs 100 samples to have one
 * beyond it, a p999 1000; with fewer each is (within interpolation) the maximum.
 */
export function underSampledPercentiles(samples: number): UnderSampled[] {
  const out: UnderSampled[] = [];
  if (samples < 100) out.push('p99');
  if (samples < 1000) out.push('p999');
  return out;
}

/**
 * Keep at most `k` of an ascending sample: evenly spaced order statistics, always
 * including the minimum and maximum. Deterministic, and the quantiles survive.
 */
export function subsampleSorted(sorted: readonly number[], k: number): number[] {
  if (sorted.length <= k) return [...sorted];
  const out: number[] = [];
  for (let i = 0; i < k; i++) out.push(sorted[Math.round((i * (sorted.length - 1)) / (k - 1))]);
  return out;
}

/** Summary of samples (used when the first execution alone breaks the hard cap). */
function fromSamples(samples: number[], keep: number, state: LatencyResult['state']): LatencyResult {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => quantileSorted(sorted, q);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const sd = sorted.length > 1 ? Math.sqrt(sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / (sorted.length - 1)) : 0;
  return {
    latencyMs: { p50: at(0.5), p75: at(0.75), p99: at(0.99), p999: at(0.999), mean, min: sorted[0], max: sorted[sorted.length - 1], sd },
    rme: sorted.length > 1 ? (100 * 1.96 * (sd / Math.sqrt(sorted.length))) / mean : 0,
    samples: sorted.length,
    samplesMs: subsampleSorted(sorted, keep),
    opsPerSecond: mean > 0 ? 1000 / mean : 0,
    state,
    underSampled: underSampledPercentiles(sorted.length),
  };
}

/**
 * Time one async operation: probe, warm up, sample within the budget. Errors propagate,
 * except a probe the `guard` cut off at the hard cap: that is recorded as `timed-out`.
 * Pass a guard (e.g. statementTimeoutGuard(client)) so one slow execution cannot run on
 * past the cap: without one the probe runs to completion.
 */
export async function measureLatency(name: string, fn: () => Promise<unknown>, options: LatencyOptions = {}, guard?: Guard): Promise<LatencyResult> {
  const o = resolveLatencyOptions(options);
  // One probe execution sizes the iteration counts (and fails fast on a bad query). Only
  // fn is timed: the guard's own statements (SET, then restore) are not.
  let probeMs = 0;
  const probe = async () => {
    const t0 = performance.now();
    try {
      await fn();
    } finally {
      probeMs = Math.max(performance.now() - t0, 0.001);
    }
  };
  try {
    await (guard ? guard(o.hardCapMs, probe) : probe());
  } catch (err) {
    if (err instanceof StatementTimeout) return fromSamples([probeMs], o.keepSamples, 'timed-out');
    throw err;
  }
  if (probeMs >= o.hardCapMs) return fromSamples([probeMs], o.keepSamples, 'capped');

  // tinybench runs until BOTH the time budget and the iteration minimum are met, so the
  // minimum is what a slow operation would stretch: cut it to what fits the hard cap.
  const iterations = Math.max(1, Math.min(o.minSamples, Math.floor((o.hardCapMs * 0.8) / probeMs)));
  const warmupIterations = Math.max(1, Math.min(16, Math.floor(o.warmupMs / probeMs)));
  const controller = new AbortController();
  const bench = new Bench({
    name,
    time: o.timeMs,
    iterations,
    warmup: o.warmupMs > 0,
    warmupTime: o.warmupMs,
    warmupIterations,
    retainSamples: true,
    throws: true,
    signal: controller.signal,
  });
  // Say it is async: tinybench would otherwise call fn once, un-awaited, to find out —
  // an extra query racing the warm-up on the same connection.
  bench.add(name, fn, { async: true });
  // The cap covers warm-up and timed phase together: a regime change mid-run cannot stall it.
  const timer = setTimeout(() => controller.abort(), o.hardCapMs + o.warmupMs);
  try {
    await bench.run();
  } finally {
    clearTimeout(timer);
  }
  const task = bench.tasks[0];
  const r = task.result;
  if (r.state === 'errored') throw r.error;
  if (r.state !== 'completed' && r.state !== 'aborted-with-statistics') {
    // Aborted before a single timed sample: the probe is the only measurement there is.
    return fromSamples([probeMs], o.keepSamples, 'capped');
  }
  const l = r.latency;
  const sorted = l.samples ? [...l.samples] : [];
  return {
    latencyMs: { p50: l.p50, p75: l.p75, p99: l.p99, p999: l.p999, mean: l.mean, min: l.min, max: l.max, sd: l.sd },
    rme: Number.isFinite(l.rme) ? l.rme : 0,
    samples: l.samplesCount,
    samplesMs: subsampleSorted(sorted, o.keepSamples),
    opsPerSecond: l.mean > 0 ? 1000 / l.mean : 0,
    state: r.state === 'completed' ? 'completed' : 'capped',
    underSampled: underSampledPercentiles(l.samplesCount),
  };
}

/** The client's floor: `SELECT 1` on this connection, timed exactly like every query. */
export function measureClientFloor(client: pg.Client, options: LatencyOptions = {}): Promise<LatencyResult> {
  return measureLatency('SELECT 1', () => client.query('SELECT 1'), options, statementTimeoutGuard(client));
}
