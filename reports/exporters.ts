/**
 * Results in the formats CI users' tools already read:
 * - github-action-benchmark's `customSmallerIsBetter` / `customBiggerIsBetter`: an array
 *   of `{ name, unit, value, range?, extra? }`
 *   (https://github.com/benchmark-action/github-action-benchmark#examples);
 * - Bencher Metric Format (BMF): `{ benchmark: { measure: { value, lower_value?, upper_value? } } }`
 *   (https://bencher.dev/docs/reference/bencher-metric-format/). Bencher's built-in
 *   `latency` measure is in nanoseconds, so latencies are converted.
 */
import { metricTitle } from './format.ts';
import { extractMetrics, type Metric } from './metrics.ts';
import { quantileSorted } from './stats.ts';
import type { Results } from './schema.ts';

export interface GithubBenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  /** Spread of the value as text, e.g. "± 0.12" (github-action-benchmark shows it as-is). */
  range?: string;
  /** Free text shown in the chart's tooltip. */
  extra?: string;
}

export type GithubBenchmarkTool = 'customSmallerIsBetter' | 'customBiggerIsBetter';

/** p25 and p75 of a latency's samples (ms), when there are enough to say. */
function quartiles(samples: readonly number[] | undefined): { p25: number; p75: number } | undefined {
  if (!samples || samples.length < 4) return undefined;
  const s = Float64Array.from(samples).sort();
  return { p25: quantileSorted(s, 0.25), p75: quantileSorted(s, 0.75) };
}

/** The spread of a latency's samples: half the p25–p75 range (robust, like an IQR). */
function spread(samples: readonly number[] | undefined): number | undefined {
  const q = quartiles(samples);
  return q && (q.p75 - q.p25) / 2;
}

/**
 * Entries for github-action-benchmark: `customSmallerIsBetter` gets sizes, counts,
 * latencies and timings; `customBiggerIsBetter` gets throughputs. Metrics with no better
 * direction and informational ones (the gate does not judge them either) go to neither:
 * their alerts would be noise.
 */
export function toGithubActionBenchmark(results: Results, tool: GithubBenchmarkTool): GithubBenchmarkEntry[] {
  const want = tool === 'customSmallerIsBetter' ? 'smaller' : 'bigger';
  const sha = results.tool.gitSha.slice(0, 12);
  return extractMetrics(results)
    .filter((m) => m.gated && m.direction === want && Number.isFinite(m.value))
    .map((m) => {
      const entry: GithubBenchmarkEntry = { name: metricTitle(m), unit: m.unit || 'count', value: m.value };
      const r = spread(m.samples);
      if (r !== undefined) entry.range = `± ${r.toPrecision(3)}`;
      entry.extra = `scale ${results.params.scale}, seed ${results.params.seed}, ${m.samples ? `${m.samples.length} samples, ` : ''}pgscale ${sha}`;
      return entry;
    });
}

export interface BmfMetric {
  value: number;
  lower_value?: number;
  upper_value?: number;
}
export type Bmf = Record<string, Record<string, BmfMetric>>;

function kebab(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/[^a-zA-Z0-9]+/g, '-').toLowerCase();
}

/** Bencher measure slug for a metric: built-in `latency`/`throughput`, else a descriptive one. */
function measureSlug(m: Metric): string {
  switch (m.kind) {
    case 'latency':
      return 'latency';
    case 'throughput':
      return 'throughput';
    case 'size':
      return 'file-size';
    case 'timing':
      // Bencher's `build-time` measure is in seconds, like every *Seconds metric here.
      return m.unit === 's' ? 'build-time' : kebab(m.label);
    default:
      return kebab(m.id.split('/')[2]);
  }
}

/**
 * Bencher Metric Format: one benchmark per query (or relation, or named metric), with
 * the latency as its median in nanoseconds and p25/p75 of the samples as lower/upper.
 */
export function toBencherBmf(results: Results): Bmf {
  const out: Bmf = {};
  for (const m of extractMetrics(results)) {
    if (!m.gated || m.direction === 'none' || !Number.isFinite(m.value)) continue;
    const [scenario, variant, , ...rest] = m.id.split('/');
    const name = `${scenario}/${variant}/${rest.join('/')}`;
    const slug = measureSlug(m);
    const metric: BmfMetric = { value: m.value };
    if (m.kind === 'latency') {
      metric.value = m.value * 1e6;
      const q = quartiles(m.samples);
      if (q) {
        metric.lower_value = q.p25 * 1e6;
        metric.upper_value = q.p75 * 1e6;
      }
    }
    (out[name] ??= {})[slug] = metric;
  }
  return out;
}
