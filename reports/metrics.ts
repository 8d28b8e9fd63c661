/**
 * Every number in a results document as one flat, identified metric: what it is, its
 * unit, which direction is better, and whether it is deterministic (sizes, counts) or
 * noisy (timings). The gate, the exporters and the history trends all start here, so
 * a metric has the same id everywhere.
 */
import type { QueryResult, Results } from './schema.ts';

/**
 * size: bytes of a relation (deterministic for the same data);
 * count: statements, round trips, bytes on the wire (deterministic);
 * latency: per-query latency with raw samples where kept (noisy);
 * throughput: operations per second (noisy, bigger is better);
 * timing: single-shot durations and ratios such as buildSeconds (noisy, one value);
 * info: a number with no better direction, e.g. correlation.
 */
export type MetricKind = 'size' | 'count' | 'latency' | 'throughput' | 'timing' | 'info';
export const METRIC_KINDS: readonly MetricKind[] = ['size', 'count', 'latency', 'throughput', 'timing', 'info'];

export type Direction = 'smaller' | 'bigger' | 'none';

export interface Metric {
  /** Stable id: `scenario/variant/measure/name`, e.g. `enum-storage/smallint/size/idx_tasks_status.index`. */
  id: string;
  scenario: string;
  /** Variant name, `-` for scenario-wide metrics. */
  variant: string;
  kind: MetricKind;
  /** Short label for tables: `idx_tasks_status (index)`, `eq-filter p50`. */
  label: string;
  unit: 'B' | 'ms' | 'ops/s' | 's' | '' | 'x';
  direction: Direction;
  /** The value compared: bytes, the median latency, ops/s … */
  value: number;
  /** Raw samples (ms) backing a latency, when the run kept them. */
  samples?: readonly number[];
  /** Query parameters (selectivity, sessions, delayMs), for charts. */
  params?: Record<string, string | number | boolean>;
}

/** `name[k=v;k=v]` with params sorted by key, so ids do not depend on key order. */
export function queryKey(q: Pick<QueryResult, 'name' | 'params'>): string {
  const entries = Object.entries(q.params ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return entries.length === 0 ? q.name : `${q.name}[${entries.map(([k, v]) => `${k}=${v}`).join(';')}]`;
}

/**
 * Parameter names that take two or more values across a scenario's queries: the ones
 * worth showing. A label one variant carries and another lacks (time-index marks forced
 * index plans with `forced`) would otherwise split one query into two table rows.
 */
export function varyingParams(queries: Iterable<Pick<QueryResult, 'params'>>): Set<string> {
  const seen = new Map<string, Set<string>>();
  for (const q of queries) {
    for (const [k, v] of Object.entries(q.params ?? {})) {
      const set = seen.get(k) ?? new Set<string>();
      set.add(String(v));
      seen.set(k, set);
    }
  }
  return new Set([...seen].filter(([, values]) => values.size >= 2).map(([k]) => k));
}

/** The row key for tables and charts: the name and only the varying parameters. */
export function displayKey(q: Pick<QueryResult, 'name' | 'params'>, varying: Set<string>): string {
  const params = Object.fromEntries(Object.entries(q.params ?? {}).filter(([k]) => varying.has(k)));
  return queryKey({ name: q.name, params });
}

const COUNT_FIELDS = ['statements', 'roundTrips', 'bytesSent', 'bytesReceived'] as const;

/** Classify a free-form metrics entry (variant.metrics / scenario.metrics) by its name. */
export function classifyNamedMetric(name: string): Pick<Metric, 'kind' | 'unit' | 'direction'> {
  if (/per_?sec|PerSecond|Rate$|throughput|opsPer/i.test(name)) return { kind: 'throughput', unit: 'ops/s', direction: 'bigger' };
  if (/bytes/i.test(name)) return { kind: 'size', unit: 'B', direction: 'smaller' };
  if (/Seconds$|_s$|secs?$/i.test(name)) return { kind: 'timing', unit: 's', direction: 'smaller' };
  if (/Ms$|_ms$|Lag/i.test(name)) return { kind: 'timing', unit: 'ms', direction: 'smaller' };
  if (/Slowdown$|Overhead$/i.test(name)) return { kind: 'timing', unit: 'x', direction: 'smaller' };
  return { kind: 'info', unit: '', direction: 'none' };
}

function queryMetrics(scenario: string, variant: string, q: QueryResult): Metric[] {
  const key = queryKey(q);
  const base = { scenario, variant, params: q.params };
  const out: Metric[] = [
    {
      ...base,
      id: `${scenario}/${variant}/latency/${key}`,
      kind: 'latency',
      label: `${key} p50`,
      unit: 'ms',
      direction: 'smaller',
      value: q.latencyMs.p50,
      samples: q.samplesMs && q.samplesMs.length > 0 ? q.samplesMs : undefined,
    },
  ];
  if (q.opsPerSecond !== undefined) {
    out.push({ ...base, id: `${scenario}/${variant}/throughput/${key}`, kind: 'throughput', label: `${key} ops/s`, unit: 'ops/s', direction: 'bigger', value: q.opsPerSecond });
  }
  for (const field of COUNT_FIELDS) {
    const v = q[field];
    if (v === undefined) continue;
    out.push({ ...base, id: `${scenario}/${variant}/${field}/${key}`, kind: 'count', label: `${key} ${field}`, unit: field.startsWith('bytes') ? 'B' : '', direction: 'smaller', value: v });
  }
  return out;
}

/** Flatten a results document into metrics, in document order. Errored scenarios yield none. */
export function extractMetrics(results: Results): Metric[] {
  const out: Metric[] = [];
  if (results.clientFloor) out.push(...queryMetrics('client', '-', results.clientFloor));
  for (const s of results.scenarios) {
    if (s.status !== 'ok') continue;
    for (const v of s.variants) {
      for (const size of v.sizes) {
        out.push({
          id: `${s.name}/${v.name}/size/${size.relation}.${size.kind}`,
          scenario: s.name,
          variant: v.name,
          kind: 'size',
          label: `${size.relation} (${size.kind})`,
          unit: 'B',
          direction: 'smaller',
          value: size.bytes,
        });
      }
      for (const q of v.queries) out.push(...queryMetrics(s.name, v.name, q));
      for (const [name, value] of Object.entries(v.metrics)) {
        out.push({ id: `${s.name}/${v.name}/metric/${name}`, scenario: s.name, variant: v.name, label: name, value, ...classifyNamedMetric(name) });
      }
    }
    for (const [name, value] of Object.entries(s.metrics ?? {})) {
      out.push({ id: `${s.name}/-/metric/${name}`, scenario: s.name, variant: '-', label: name, value, ...classifyNamedMetric(name) });
    }
  }
  return out;
}
