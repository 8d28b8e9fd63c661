/**
 * Every number in a results document as one flat, identified metric: what it is, its
 * unit, which direction is better, and whether it is deterministic (sizes, counts) or
 * noisy (timings). The gate, the exporters and the history trends all start here, so
 * a metric has the same id everywhere.
 */
import { type MetricDecl, MetricKindName, type QueryResult, type Results, type ScenarioResult } from './schema.ts';
import { trafficMetrics } from './traffic-metrics.ts';

/**
 * size: bytes of a relation (deterministic for the same data);
 * count: statements, round trips, bytes on the wire (deterministic);
 * latency: per-query latency with raw samples where kept (noisy);
 * throughput: operations per second (noisy, bigger is better);
 * timing: single-shot durations and ratios such as buildSeconds (noisy, one value);
 * info: a number with no better direction, e.g. a row count of the data.
 * Any kind can be informational (`gated: false`): shown with its change, never judged.
 */
export type MetricKind = (typeof MetricKindName.options)[number];
export const METRIC_KINDS: readonly MetricKind[] = MetricKindName.options;

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
  unit: 'B' | 'ms' | 'ops/s' | 's' | '' | 'x' | '%';
  direction: Direction;
  /** False for an informational metric: the gate shows its change but never judges it. */
  gated: boolean;
  /**
   * A named metric that neither its results nor any beside them declare (results written
   * before scenarios declared their metrics): listed, never judged.
   */
  undeclared?: true;
  /** The value compared: bytes, the median latency, ops/s … */
  value: number;
  /** Raw samples backing the value (latencies in ms; a load test's per-second figures), when the run kept them. */
  samples?: readonly number[];
  /**
   * What the gate compares of the samples: their median (the default), or their mean, for
   * rates that are mostly zero (a load test's errors per second), whose median stays 0
   * while the rate changes. @default 'median'
   */
  effect?: 'median' | 'mean';
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

type Classified = Pick<Metric, 'kind' | 'unit' | 'direction' | 'gated'>;

const KIND_DEFAULTS: Record<MetricKind, Pick<Metric, 'unit' | 'direction'>> = {
  size: { unit: 'B', direction: 'smaller' },
  count: { unit: '', direction: 'smaller' },
  latency: { unit: 'ms', direction: 'smaller' },
  throughput: { unit: 'ops/s', direction: 'bigger' },
  timing: { unit: 's', direction: 'smaller' },
  info: { unit: '', direction: 'none' },
};

/** A scenario's declaration with the kind's defaults filled in. */
export function fromDeclaration(d: MetricDecl): Classified {
  const base = KIND_DEFAULTS[d.kind];
  return { kind: d.kind, unit: d.unit ?? base.unit, direction: d.direction ?? base.direction, gated: d.gated ?? true };
}

/**
 * A named metric no results at hand declare: never judged, since nothing says which way
 * is better or whether it is noisy (a name is no evidence: a rename would change it).
 */
const UNDECLARED: Classified & Pick<Metric, 'undeclared'> = { kind: 'info', unit: '', direction: 'none', gated: false, undeclared: true };

/** Named-metric declarations by scenario, then metric name. */
export type MetricDeclarations = ReadonlyMap<string, Readonly<Record<string, MetricDecl>>>;

/**
 * The declarations `docs` recorded (`scenarios[].metricKinds`), by scenario; where two
 * declare the same metric, the earlier document wins: pass the current run first, so its
 * declarations apply to a baseline written before scenarios recorded theirs.
 */
export function metricDeclarations(docs: readonly Results[]): MetricDeclarations {
  const out = new Map<string, Record<string, MetricDecl>>();
  for (const r of docs) {
    for (const s of r.scenarios) {
      if (s.metricKinds) out.set(s.name, { ...s.metricKinds, ...out.get(s.name) });
    }
  }
  return out;
}

/** Named metrics of a scenario's result (variants' and scenario-wide) that its `metricKinds` does not declare, each once. */
export function undeclaredMetrics(s: Pick<ScenarioResult, 'variants' | 'metrics' | 'metricKinds'>): string[] {
  const names = [...s.variants.flatMap((v) => Object.keys(v.metrics)), ...Object.keys(s.metrics ?? {})];
  return [...new Set(names.filter((n) => !declared(s.metricKinds, n)))];
}

/** The declaration of `name`, own properties only: a metric named `constructor` is no declaration. */
function declared(decls: Readonly<Record<string, MetricDecl>> | undefined, name: string): MetricDecl | undefined {
  return decls && Object.hasOwn(decls, name) ? decls[name] : undefined;
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
      gated: true,
      value: q.latencyMs.p50,
      samples: q.samplesMs && q.samplesMs.length > 0 ? q.samplesMs : undefined,
    },
  ];
  if (q.opsPerSecond !== undefined) {
    out.push({ ...base, id: `${scenario}/${variant}/throughput/${key}`, kind: 'throughput', label: `${key} ops/s`, unit: 'ops/s', direction: 'bigger', gated: true, value: q.opsPerSecond });
  }
  for (const field of COUNT_FIELDS) {
    const v = q[field];
    if (v === undefined) continue;
    out.push({ ...base, id: `${scenario}/${variant}/${field}/${key}`, kind: 'count', label: `${key} ${field}`, unit: field.startsWith('bytes') ? 'B' : '', direction: 'smaller', gated: true, value: v });
  }
  return out;
}

/**
 * Flatten a results document into metrics, in document order (a load test's last).
 * Errored scenarios yield none. A named metric reads as its scenario declared it in this
 * document, else as `declarations` (another run's, see metricDeclarations) say; one
 * declared by neither is marked `undeclared` and never judged.
 */
export function extractMetrics(results: Results, declarations?: MetricDeclarations): Metric[] {
  const out: Metric[] = [];
  if (results.clientFloor) out.push(...queryMetrics('client', '-', results.clientFloor));
  for (const s of results.scenarios) {
    if (s.status !== 'ok') continue;
    const classify = (name: string): Classified & Pick<Metric, 'undeclared'> => {
      const d = declared(s.metricKinds, name) ?? declared(declarations?.get(s.name), name);
      return d ? fromDeclaration(d) : UNDECLARED;
    };
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
          gated: true,
          value: size.bytes,
        });
      }
      for (const q of v.queries) out.push(...queryMetrics(s.name, v.name, q));
      for (const [name, value] of Object.entries(v.metrics)) {
        out.push({ id: `${s.name}/${v.name}/metric/${name}`, scenario: s.name, variant: v.name, label: name, value, ...classify(name) });
      }
    }
    for (const [name, value] of Object.entries(s.metrics ?? {})) {
      out.push({ id: `${s.name}/-/metric/${name}`, scenario: s.name, variant: '-', label: name, value, ...classify(name) });
    }
  }
  if (results.traffic) out.push(...trafficMetrics(results.traffic));
  return out;
}
