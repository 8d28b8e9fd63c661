/**
 * What a load test's report says, as plain text shared by the Markdown and HTML
 * renderers so both say the same thing: the labelled facts of the run, the sentences that
 * must stand out (the client was the limit, the run ended early, rows landed in DEFAULT
 * partitions), the SLO, and the latency rows overall and per transaction type.
 */
import { formatMs, formatNumber } from './format.ts';
import type { Traffic, TrafficLatency } from './schema.ts';
import { errorRate, p99MetricId, TRAFFIC_ERROR_RATE_ID, TRAFFIC_THROUGHPUT_ID } from './traffic-metrics.ts';

export interface Fact {
  label: string;
  text: string;
  /** The gate metric this fact shows, so a renderer can add its change against a baseline. */
  metricId?: string;
}

/** 1234.5 → "1,235 tx/s", 12.34 → "12.3 tx/s". */
export function formatRate(v: number): string {
  return `${formatNumber(v)} tx/s`;
}

/** A share 0..1 as "42 %". */
function share(v: number): string {
  return `${formatNumber(v * 100)} %`;
}

/** Errors by SQLSTATE, most frequent first: "40001 × 12, 23505 × 3". */
export function formatErrorCodes(bySqlstate: Record<string, number>): string {
  return Object.entries(bySqlstate)
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .map(([code, n]) => `${code} × ${n.toLocaleString('en-US')}`)
    .join(', ');
}

/** "mix platform, open loop". */
export function trafficTitle(t: Traffic): string {
  return `${t.workload.kind} ${t.workload.name}, ${t.mode} loop`;
}

function modeText(t: Traffic): string {
  if (t.mode === 'closed') return `closed loop: each client starts its next transaction when its last one ends`;
  const stages = t.stages?.length ? `; stages ${t.stages.map((s) => `${formatNumber(s.durationSeconds)} s → ${formatRate(s.rate)}`).join(', ')}` : '';
  const arrivals = t.arrivals === 'uniform' ? 'evenly spaced' : 'Poisson';
  return `open loop, ${arrivals} arrivals${stages}; latency counted from each transaction's intended start`;
}

function rateText(t: Traffic): string {
  if (t.mode === 'open' && t.targetRate !== null && t.targetRate > 0) {
    return `offered ${formatRate(t.targetRate)}, achieved ${formatRate(t.achievedRate)} (${share(t.achievedRate / t.targetRate)} of offered)`;
  }
  return `achieved ${formatRate(t.achievedRate)}${t.mode === 'closed' ? `, as fast as ${t.clients} clients go` : ''}`;
}

function errorsText(t: Traffic): string {
  if (t.errors === 0) return 'none';
  const codes = formatErrorCodes(t.errorsBySqlstate);
  return `${formatNumber(t.errors)}, ${formatNumber(errorRate(t))} % of attempts${codes ? ` — by SQLSTATE ${codes}` : ''}`;
}

function clientText(t: Traffic): string {
  const c = t.client;
  const parts = [`CPU ${formatNumber(c.cpuSeconds)} s${c.cpuCores !== undefined ? ` (${formatNumber(c.cpuCores)} of a core)` : ''}`, `event-loop lag p99 ${formatMs(c.eventLoopLagP99Ms)}`];
  if (c.eventLoopUtilization !== undefined) parts.push(`busiest worker thread's event loop ${share(c.eventLoopUtilization)} utilised`);
  return parts.join(', ');
}

/** The run's facts, in reading order. Schedule lag only for an open loop, which has a schedule. */
export function trafficFacts(t: Traffic): Fact[] {
  const sources = t.workload.sources.join(', ');
  const facts: Fact[] = [
    { label: 'Mode', text: modeText(t) },
    { label: 'Workload', text: `${t.workload.kind} ${t.workload.name}${sources && sources !== t.workload.name ? ` (${sources})` : ''}` },
    { label: 'Clients', text: `${t.clients} connections on ${t.threads} worker thread${t.threads === 1 ? '' : 's'}` },
    { label: 'Rate', text: rateText(t), metricId: TRAFFIC_THROUGHPUT_ID },
    { label: 'Duration', text: `${formatNumber(t.durationSeconds)} s measured after a ${formatNumber(t.warmupSeconds)} s warm-up` },
    {
      label: 'Transactions',
      text: `${formatNumber(t.transactions)} completed, ${formatNumber(t.dropped)} dropped, ${formatNumber(t.retries)} retries, ${formatNumber(t.reconnects)} reconnects`,
    },
    { label: 'Errors', text: errorsText(t), metricId: TRAFFIC_ERROR_RATE_ID },
  ];
  if (t.mode === 'open') {
    const l = t.scheduleLagMs;
    facts.push({ label: 'Schedule lag', text: `p50 ${formatMs(l.p50)}, p99 ${formatMs(l.p99)}, max ${formatMs(l.max)} (actual minus intended start)` });
  }
  facts.push({ label: 'Client', text: clientText(t) });
  if (t.dataset) facts.push({ label: 'Data set', text: `schema ${t.dataset.schema}` });
  return facts;
}

/** A sentence that must be read before the figures: a bold lead, then the rest. */
export interface Notice {
  lead: string;
  text: string;
}

/** What a client-bound run must lead with, or undefined when the database was the limit. */
export function clientBoundNotice(t: Traffic): Notice | undefined {
  if (!t.clientBound) return undefined;
  const why = t.clientBoundReasons?.length ? ` Why: ${t.clientBoundReasons.join('; ')}.` : '';
  return { lead: 'The client was the limit', text: `the load generator, not the database, bounded this run, so these figures are not the database's.${why}` };
}

/** What a run that ended early carries, or undefined. */
export function partialNotice(t: Traffic): Notice | undefined {
  if (!t.partial) return undefined;
  return { lead: 'Partial run', text: `it ended early${t.stoppedBecause ? ` (${t.stoppedBecause})` : ''}; the figures cover the ${formatNumber(t.durationSeconds)} s that ran.` };
}

/** Rows that landed in DEFAULT partitions (there should be none), or undefined. */
export function defaultPartitionNotice(t: Traffic): Notice | undefined {
  const rows = Object.entries(t.dataset?.defaultPartitionRows ?? {}).filter(([, n]) => n > 0);
  if (rows.length === 0) return undefined;
  return {
    lead: 'Rows in DEFAULT partitions',
    text: `${rows.map(([table, n]) => `${table} ${n.toLocaleString('en-US')}`).join(', ')} — the workload wrote dates no monthly partition covers, so queries on them scan the DEFAULT partition.`,
  };
}

/** Every notice that applies, most important first. */
export function trafficNotices(t: Traffic): Notice[] {
  return [clientBoundNotice(t), partialNotice(t), defaultPartitionNotice(t)].filter((n): n is Notice => n !== undefined);
}

/** "SLO met: p99<50ms,errors<1%", or undefined when no SLO was given. */
export function sloHeadline(t: Traffic): string | undefined {
  return t.slo ? `SLO ${t.slo.met ? 'met' : 'not met'}: ${t.slo.spec}` : undefined;
}

export interface LatencyRow {
  /** Transaction name, or `all` for the whole run. */
  name: string;
  /** Its share of the mix; undefined for the whole run. */
  weight?: number;
  transactions: number;
  errors: number;
  latencyMs: TrafficLatency;
  /** The gate's metric id of this row's p99. */
  p99Id: string;
}

/** One row per transaction type, then the whole run. */
export function latencyRows(t: Traffic): LatencyRow[] {
  return [
    ...t.perTransaction.map((x) => ({ name: x.name, weight: x.weight, transactions: x.transactions, errors: x.errors, latencyMs: x.latencyMs, p99Id: p99MetricId(x.name) })),
    { name: 'all', transactions: t.transactions, errors: t.errors, latencyMs: t.latencyMs, p99Id: p99MetricId() },
  ];
}

/** The percentile columns every latency table shows, in order. */
export const LATENCY_COLUMNS: ReadonlyArray<{ key: keyof TrafficLatency; label: string }> = [
  { key: 'p50', label: 'p50' },
  { key: 'p90', label: 'p90' },
  { key: 'p99', label: 'p99' },
  { key: 'p999', label: 'p99.9' },
  { key: 'max', label: 'max' },
];
