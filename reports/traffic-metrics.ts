/**
 * A load test's numbers as gate metrics (see metrics.ts): throughput, tail latency
 * overall and per transaction type, and the error rate, each with one sample per second
 * of the measurement window. Seconds are the replicates because single transactions are
 * not independent: they queue behind one another, so one slow moment slows hundreds.
 *
 * Ids read `traffic/<transaction or ->/<measure>/<name>`, e.g. `traffic/-/latency/p99`,
 * `traffic/send-message/latency/p99`, `traffic/-/throughput/transactions`,
 * `traffic/-/errors/rate`.
 */
import type { Metric } from './metrics.ts';
import type { Traffic, TrafficSecond } from './schema.ts';

/** The `scenario` of every traffic metric. */
export const TRAFFIC_SCENARIO = 'traffic';

/** The id of the throughput metric (the one the offered-load rules apply to). */
export const TRAFFIC_THROUGHPUT_ID = `${TRAFFIC_SCENARIO}/-/throughput/transactions`;

/** The id of the error-rate metric. */
export const TRAFFIC_ERROR_RATE_ID = `${TRAFFIC_SCENARIO}/-/errors/rate`;

/** The id of the p99 metric of one transaction type, or of the whole run when none is given. */
export function p99MetricId(transaction?: string): string {
  return `${TRAFFIC_SCENARIO}/${transaction ?? '-'}/latency/p99`;
}

/**
 * How many full seconds the measurement window holds (seconds 0 … n−1): no more than the
 * whole seconds measured, so a last second the run ended 0.4 s into does not read as a
 * throughput drop, and no more than the series reaches, so a run that stopped early is
 * not padded with empty seconds.
 */
export function windowSeconds(t: Traffic): number {
  const last = t.series.reduce((m, s) => Math.max(m, s.second), -1);
  return Math.max(0, Math.min(last + 1, Math.floor(t.durationSeconds + 1e-9)));
}

/** The window's seconds in order; a second the series lacks is `undefined` (nothing happened in it). */
export function windowOf(series: readonly TrafficSecond[], n: number): Array<TrafficSecond | undefined> {
  const out = new Array<TrafficSecond | undefined>(n).fill(undefined);
  for (const s of series) if (s.second < n) out[s.second] = s;
  return out;
}

/** Transactions completed per second; a missing second completed none. */
export function throughputSamples(window: ReadonlyArray<TrafficSecond | undefined>): number[] {
  return window.map((s) => s?.transactions ?? 0);
}

/** Each second's p99 (ms), for the seconds in which something completed. */
export function p99Samples(window: ReadonlyArray<TrafficSecond | undefined>): number[] {
  return window.flatMap((s) => (s?.p99Ms !== undefined && Number.isFinite(s.p99Ms) ? [s.p99Ms] : []));
}

/** Each second's error rate in percent, errors / (transactions + errors), for seconds with attempts. */
export function errorRateSamples(window: ReadonlyArray<TrafficSecond | undefined>): number[] {
  return window.flatMap((s) => (s && s.transactions + s.errors > 0 ? [(100 * s.errors) / (s.transactions + s.errors)] : []));
}

/** The whole run's error rate in percent. */
export function errorRate(t: Pick<Traffic, 'transactions' | 'errors'>): number {
  const attempts = t.transactions + t.errors;
  return attempts > 0 ? (100 * t.errors) / attempts : 0;
}

function samplesOrNone(xs: number[]): readonly number[] | undefined {
  return xs.length > 0 ? xs : undefined;
}

/**
 * The gated metrics of one load test. The value shown is the whole run's (achieved rate,
 * overall p99, overall error rate); the gate judges the per-second samples.
 */
export function trafficMetrics(t: Traffic): Metric[] {
  const n = windowSeconds(t);
  const window = windowOf(t.series, n);
  const base = { scenario: TRAFFIC_SCENARIO, gated: true } as const;
  const out: Metric[] = [
    {
      ...base,
      id: TRAFFIC_THROUGHPUT_ID,
      variant: '-',
      kind: 'throughput',
      label: 'throughput',
      unit: 'ops/s',
      direction: 'bigger',
      value: t.achievedRate,
      samples: samplesOrNone(throughputSamples(window)),
    },
    {
      ...base,
      id: p99MetricId(),
      variant: '-',
      kind: 'latency',
      label: 'p99',
      unit: 'ms',
      direction: 'smaller',
      value: t.latencyMs.p99,
      samples: samplesOrNone(p99Samples(window)),
    },
  ];
  for (const tx of t.perTransaction) {
    out.push({
      ...base,
      id: p99MetricId(tx.name),
      variant: tx.name,
      kind: 'latency',
      label: 'p99',
      unit: 'ms',
      direction: 'smaller',
      value: tx.latencyMs.p99,
      samples: samplesOrNone(p99Samples(windowOf(tx.series, n))),
    });
  }
  // The schema's metric kinds have no "rate": a timing (a noisy, smaller-is-better number
  // in its own unit) is the nearest, and the mean, not the median, carries the change.
  out.push({
    ...base,
    id: TRAFFIC_ERROR_RATE_ID,
    variant: '-',
    kind: 'timing',
    label: 'error rate',
    unit: '%',
    direction: 'smaller',
    effect: 'mean',
    value: errorRate(t),
    samples: samplesOrNone(errorRateSamples(window)),
  });
  return out;
}
