/**
 * The versioned results document: the only output of measurement. Every renderer and
 * the regression gate read this and nothing else. Names follow the results contract in
 * the repository's ARCHITECTURE.md; fields may be added, never renamed.
 */
import { z } from 'zod';

export const SCHEMA_VERSION = 1;

/** Latency summary in milliseconds. */
export const LatencyStats = z.object({
  p50: z.number(),
  p75: z.number(),
  p99: z.number(),
  p999: z.number(),
  mean: z.number(),
  min: z.number().optional(),
  max: z.number().optional(),
  sd: z.number().optional(),
});
export type LatencyStats = z.infer<typeof LatencyStats>;

export const SizeEntry = z.object({
  /** Table name for table/toast/total entries, index name for index entries. */
  relation: z.string(),
  kind: z.enum(['table', 'index', 'toast', 'total']),
  bytes: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative().optional(),
  bytesPerRow: z.number().optional(),
  /** The table an index or toast entry belongs to. */
  table: z.string().optional(),
});
export type SizeEntry = z.infer<typeof SizeEntry>;

/** What EXPLAIN (ANALYZE, BUFFERS) showed, flattened for reports and checks. */
export const PlanSummary = z.object({
  nodeTypes: z.array(z.string()),
  indexes: z.array(z.string()),
  /** The partitioned (parent) indexes the partitions' indexes in `indexes` belong to. */
  parentIndexes: z.array(z.string()).optional(),
  actualRows: z.number().optional(),
  executionMs: z.number().optional(),
  planningMs: z.number().optional(),
  sharedHit: z.number().optional(),
  sharedRead: z.number().optional(),
  heapBlocksExact: z.number().optional(),
  heapBlocksLossy: z.number().optional(),
  partitionsScanned: z.number().optional(),
  partitionsPruned: z.number().optional(),
  /** False when the plan is a plain EXPLAIN (estimates only, no actual rows or buffers). */
  analyzed: z.boolean().optional(),
  /** EXPLAIN ANALYZE was cut off (or skipped, after the probe was) at this statement_timeout, in ms. */
  cappedAtMs: z.number().optional(),
});
export type PlanSummary = z.infer<typeof PlanSummary>;

export const QueryResult = z.object({
  name: z.string(),
  /** Free-form labels of this measurement: selectivity, sessions, delayMs … */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  latencyMs: LatencyStats,
  /** Relative margin of error of the mean, in percent (tinybench's rme). */
  rme: z.number().optional(),
  samples: z.number().int().nonnegative(),
  /** Raw latency samples in ms (possibly a deterministic subsample) for the compare gate. */
  samplesMs: z.array(z.number()).optional(),
  /** Throughput in operations per second, where the query measured one. */
  opsPerSecond: z.number().optional(),
  /**
   * How the measurement ended: `completed`; `capped` (the hard cap stopped sampling early:
   * fewer samples than planned); `timed-out` (the one probe execution was cut off at the
   * cap by statement_timeout: its latency is a lower bound). Absent in older results.
   */
  state: z.enum(['completed', 'capped', 'timed-out']).optional(),
  /** Percentiles resting on too few samples to be more than the maximum: p99 under 100 samples, p999 under 1000. */
  underSampled: z.array(z.enum(['p99', 'p999'])).optional(),
  plan: z.unknown().optional(),
  planSummary: PlanSummary.optional(),
  /** Statements sent, round trips and bytes on the wire for one operation. */
  statements: z.number().optional(),
  roundTrips: z.number().optional(),
  bytesSent: z.number().optional(),
  bytesReceived: z.number().optional(),
});
export type QueryResult = z.infer<typeof QueryResult>;

/**
 * One quantity sampled over a variant's run, by seconds since the run began (a load
 * test's dead rows, sizes, p99 per interval): drawn as a line, one per variant, in the
 * chart named `name`.
 */
export const TimeSeries = z.object({
  name: z.string(),
  unit: z.enum(['B', 'ms', '%', '']),
  points: z.array(z.object({ seconds: z.number(), value: z.number() })),
});
export type TimeSeries = z.infer<typeof TimeSeries>;

export const VariantResult = z.object({
  name: z.string(),
  description: z.string().optional(),
  sizes: z.array(SizeEntry),
  queries: z.array(QueryResult),
  metrics: z.record(z.string(), z.number()),
  /** Quantities sampled over the variant's run; absent for variants measured once. */
  series: z.array(TimeSeries).optional(),
});
export type VariantResult = z.infer<typeof VariantResult>;

/** The kinds of metric the gate tells apart (see reports/metrics.ts). */
export const MetricKindName = z.enum(['size', 'count', 'latency', 'throughput', 'timing', 'info']);

/**
 * How a named metric (variant.metrics / scenario.metrics) reads, declared by the scenario
 * that measured it, so the gate need not guess from its name.
 */
export const MetricDecl = z.object({
  kind: MetricKindName,
  /** @default the kind's unit: B, '', ms, ops/s, s, '' */
  unit: z.enum(['B', 'ms', 'ops/s', 's', '', 'x', '%']).optional(),
  /** @default the kind's: smaller, bigger for throughput, none for info */
  direction: z.enum(['smaller', 'bigger', 'none']).optional(),
  /** False for an informational metric: shown with its change, never judged by the gate (noisy, derived, or from an earlier run). @default true */
  gated: z.boolean().optional(),
});
export type MetricDecl = z.infer<typeof MetricDecl>;

export const ScenarioError = z.object({
  message: z.string(),
  sqlstate: z.string().optional(),
  variant: z.string().optional(),
  table: z.string().optional(),
});

/** One step of a capacity search: an open-loop run at one rate, judged against the SLO. */
export const CapacityStepResult = z.object({
  phase: z.enum(['probe', 'ramp', 'bisect', 'confirm']),
  rate: z.number(),
  achievedRate: z.number(),
  transactions: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative(),
  p50Ms: z.number(),
  p99Ms: z.number(),
  p999Ms: z.number(),
  clientBound: z.boolean(),
  sloMet: z.boolean(),
  passed: z.boolean(),
  /** Measurement windows pooled into this step (more near the objective). */
  windows: z.number().int().positive().optional(),
  limitedBy: z.enum(['latency', 'errors', 'client', 'rate']).optional(),
});
export type CapacityStepResult = z.infer<typeof CapacityStepResult>;

/** A capacity search: the highest rate that met the SLO, the bracket it lies in, and every step. */
export const CapacityResult = z.object({
  slo: z.string(),
  /** The SLO's latency limit in ms and its percentile, for the chart's line. */
  sloLatency: z.object({ percentile: z.number(), limitMs: z.number() }).optional(),
  maxRate: z.number().nonnegative(),
  low: z.number().nonnegative(),
  high: z.number().nonnegative(),
  limitedBy: z.enum(['latency', 'errors', 'client', 'rate']).optional(),
  clients: z.number().int().positive(),
  stepSeconds: z.number(),
  probeRate: z.number().optional(),
  steps: z.array(CapacityStepResult),
  confirmation: z.object({ rate: z.number(), met: z.boolean(), windows: z.array(CapacityStepResult) }).optional(),
  note: z.string().optional(),
});
export type CapacityResult = z.infer<typeof CapacityResult>;

export const ScenarioResult = z.object({
  name: z.string(),
  /** `interrupted`: the run was stopped while this scenario ran (Ctrl-C, SIGTERM); nothing of it is kept. */
  status: z.enum(['ok', 'errored', 'interrupted']),
  finding: z.string(),
  description: z.string().optional(),
  hypothesis: z.string().optional(),
  /** The design document's claim this scenario tests, quoted. */
  claim: z.string().optional(),
  /** Further computed sentences (explanations, extrapolations). */
  notes: z.array(z.string()).optional(),
  error: ScenarioError.optional(),
  variants: z.array(VariantResult),
  metrics: z.record(z.string(), z.number()).optional(),
  /** What each named metric of this scenario (variant or scenario-wide) is, by name. */
  metricKinds: z.record(z.string(), MetricDecl).optional(),
  durationSeconds: z.number().optional(),
  /** The capacity search's steps and result (scenario `capacity`). */
  capacity: CapacityResult.optional(),
  /** Nothing was measured, for a reason the finding gives (a missing tool such as pgbouncer): not an error. */
  skipped: z.boolean().optional(),
  /**
   * Where the machine's CPU went while the scenario ran, in cores: busy (anyone's, the
   * server's and pgscale's included), waiting for I/O, and stolen by the hypervisor — what
   * pgscale cannot control, recorded so a comparison can say when it differed.
   */
  machine: z.object({ cores: z.number(), busy: z.number(), iowait: z.number(), steal: z.number() }).optional(),
  /** The arms `run --variants` chose, when only some were measured; absent: all of them. */
  chosenVariants: z.array(z.string()).optional(),
  /**
   * Messages it measured when `run --sample` gave it a sample of the run's scale (a
   * per-row scenario; its figures projected to params.scale); absent: the full data set.
   */
  sampleRows: z.number().int().positive().optional(),
});
export type ScenarioResult = z.infer<typeof ScenarioResult>;

export const Environment = z.object({
  postgres: z.object({
    version: z.string(),
    versionNum: z.number().optional(),
    settings: z.record(z.string(), z.string()),
  }),
  cpu: z.string(),
  cpus: z.number().int(),
  memoryBytes: z.number(),
  os: z.string().optional(),
  node: z.string(),
  target: z.enum(['embedded', 'url', 'container']),
  /** Where the data lived: host:port/db, never a password. */
  server: z.string().optional(),
  /** The zone the server's sessions get by default (pgscale's own run in UTC). */
  serverTimeZone: z.string().optional(),
  cacheState: z.string().optional(),
});
export type Environment = z.infer<typeof Environment>;

/** Latency of a load test's transactions, in milliseconds (from HdrHistogram). */
export const TrafficLatency = z.object({
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  p999: z.number(),
  max: z.number(),
  mean: z.number(),
});
export type TrafficLatency = z.infer<typeof TrafficLatency>;

/**
 * One second of a load test (by completion time, counted from the end of the warm-up):
 * the unit of replication the gate compares, since single transactions are not independent.
 */
export const TrafficSecond = z.object({
  /** Seconds since the measurement window opened (0 = the first second after the warm-up). */
  second: z.number().int().nonnegative(),
  transactions: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** Latency percentiles of that second's transactions (from the intended start), ms; absent when none completed. */
  p50Ms: z.number().optional(),
  p99Ms: z.number().optional(),
  maxMs: z.number().optional(),
  /** Schedule lag p99 (actual minus intended start), ms: open loop only. */
  lagP99Ms: z.number().optional(),
  /** Transactions the schedule offered in that second (open loop). */
  offered: z.number().int().nonnegative().optional(),
  /** Connections busy, sampled at the end of the second. */
  busy: z.number().int().nonnegative().optional(),
  /**
   * That second's latency histogram (µs, HdrHistogram compressed base64), and its schedule
   * lag's (open loop): written by `traffic --part` so `pgscale merge` can merge seconds exactly.
   */
  histogram: z.string().optional(),
  lagHistogram: z.string().optional(),
});
export type TrafficSecond = z.infer<typeof TrafficSecond>;

/** One transaction type of a workload: its counts, latency, merged histogram and per-second series. */
export const TrafficTransaction = z.object({
  name: z.string(),
  weight: z.number().nonnegative(),
  transactions: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  retries: z.number().int().nonnegative(),
  /** Failed attempts by SQLSTATE (or a connection error code). */
  errorsBySqlstate: z.record(z.string(), z.number().int().nonnegative()),
  latencyMs: TrafficLatency,
  /** The merged latency histogram, microseconds, in HdrHistogram's compressed base64 encoding. */
  histogram: z.string(),
  series: z.array(TrafficSecond),
});
export type TrafficTransaction = z.infer<typeof TrafficTransaction>;

/** The share of a split load test one process ran, and the whole run it belongs to. */
export const TrafficPart = z.object({
  index: z.number().int().positive(),
  count: z.number().int().positive(),
  /** The whole run's offered load, of which this part took its share: connections, and the rate and stages (open loop). */
  of: z.object({
    clients: z.number().int().positive(),
    rate: z.number().nullable(),
    stages: z.array(z.object({ durationSeconds: z.number(), rate: z.number() })).optional(),
  }),
  /** When this part's measurement window opened (ISO 8601, ms): how the parts' seconds line up. */
  windowStartedAt: z.string(),
  host: z.string().optional(),
});
export type TrafficPart = z.infer<typeof TrafficPart>;

/** One part a merged run was made from. */
export const MergedPart = z.object({
  index: z.number().int().positive(),
  count: z.number().int().positive(),
  host: z.string().optional(),
  windowStartedAt: z.string(),
  clients: z.number().int().positive(),
  targetRate: z.number().nullable(),
  transactions: z.number().int().nonnegative(),
  clientBound: z.boolean(),
});
export type MergedPart = z.infer<typeof MergedPart>;

/** How a sharded target is laid out: shard count and placement (never a server's address). */
export const ShardLayout = z.object({
  count: z.number().int().positive(),
  placement: z.string(),
});
export type ShardLayout = z.infer<typeof ShardLayout>;

/** A load test on a sharded target: where its transactions ran. */
export const TrafficShards = ShardLayout.extend({
  /** Transactions that named tenants on two shards (none, for a mix that keeps to the design's rule). */
  crossShardTransactions: z.number().int().nonnegative(),
  /** Per shard, in shard order (numbered from 1): measured transactions, failures, and the rate completed in the window. */
  perShard: z.array(
    z.object({
      shard: z.number().int().positive(),
      transactions: z.number().int().nonnegative(),
      errors: z.number().int().nonnegative(),
      rate: z.number(),
    }),
  ),
});
export type TrafficShards = z.infer<typeof TrafficShards>;

/** A load test (`pgscale traffic`): what was offered, what was achieved, and how the client held up. */
export const Traffic = z.object({
  mode: z.enum(['closed', 'open']),
  workload: z.object({
    kind: z.enum(['mix', 'script', 'module']),
    name: z.string(),
    /** Script files or module path (as given), or the mix's name. */
    sources: z.array(z.string()),
  }),
  /** Offered rate, transactions/s (open loop); for --stages, the mean over the measurement window. */
  targetRate: z.number().nullable(),
  achievedRate: z.number(),
  arrivals: z.enum(['poisson', 'uniform']).optional(),
  stages: z.array(z.object({ durationSeconds: z.number(), rate: z.number() })).optional(),
  clients: z.number().int().positive(),
  threads: z.number().int().positive(),
  durationSeconds: z.number(),
  warmupSeconds: z.number(),
  transactions: z.number().int().nonnegative(),
  /** Transactions the schedule offered that never started (queue bound or the run ended). */
  dropped: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  retries: z.number().int().nonnegative(),
  reconnects: z.number().int().nonnegative(),
  errorsBySqlstate: z.record(z.string(), z.number().int().nonnegative()),
  latencyMs: TrafficLatency,
  scheduleLagMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }),
  /** The schedule lag's histogram (µs, open loop): written by `traffic --part`, for `pgscale merge`. */
  scheduleLagHistogram: z.string().optional(),
  /** Overall latency histogram (µs, HdrHistogram compressed base64). */
  histogram: z.string(),
  perTransaction: z.array(TrafficTransaction),
  series: z.array(TrafficSecond),
  client: z.object({
    threads: z.number().int().positive(),
    cpuSeconds: z.number(),
    /** Process CPU over the measurement as a share of one core (1 = one core busy). */
    cpuCores: z.number().optional(),
    eventLoopLagP99Ms: z.number(),
    /** Highest event-loop utilisation of any worker thread over the measurement, 0..1. */
    eventLoopUtilization: z.number().optional(),
  }),
  /** True when the load generator, not the database, was the limit. */
  clientBound: z.boolean(),
  clientBoundReasons: z.array(z.string()).optional(),
  slo: z
    .object({
      spec: z.string(),
      met: z.boolean(),
      checks: z.array(z.object({ term: z.string(), actual: z.number(), limit: z.number(), met: z.boolean() })),
    })
    .optional(),
  /** The data set the mix ran on, and rows that landed in DEFAULT partitions (should be none). */
  dataset: z
    .object({
      schema: z.string(),
      defaultPartitionRows: z.record(z.string(), z.number().int().nonnegative()).optional(),
    })
    .optional(),
  /** Ended early (Ctrl-C, a server gone for good): the figures cover what ran. */
  partial: z.boolean().optional(),
  stoppedBecause: z.string().optional(),
  /** One part of a load test split over several processes (`traffic --part I/N`); `pgscale merge` makes the whole. */
  part: TrafficPart.optional(),
  /** The parts `pgscale merge` made this run from. */
  mergedFrom: z.array(MergedPart).optional(),
  /** On a sharded target (`traffic --shard`): cross-shard transactions and each shard's share. */
  shards: TrafficShards.optional(),
});
export type Traffic = z.infer<typeof Traffic>;

export const Results = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.object({ name: z.literal('pgscale'), version: z.string(), gitSha: z.string() }),
  environment: Environment,
  params: z.object({
    scale: z.number().int().positive(),
    seed: z.number().int(),
    months: z.number().int().optional(),
    generatorVersion: z.number().int().optional(),
  }),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** Latency of `SELECT 1` measured the same way as every query: the client's floor. */
  clientFloor: QueryResult.optional(),
  /** Load-generator health while measuring: event-loop lag and process CPU. */
  loadGenerator: z.record(z.string(), z.number()).optional(),
  scenarios: z.array(ScenarioResult),
  /** A load test's results (`pgscale traffic`). */
  traffic: Traffic.optional(),
  /** The run's target was sharded: its layout. Absent for one server; `compare` and `merge` refuse different layouts. */
  shardLayout: ShardLayout.optional(),
  /** The run ended early: what it holds was measured, the rest is missing. */
  partial: z.boolean().optional(),
});
export type Results = z.infer<typeof Results>;

/** Validate a results document, throwing a readable error naming the bad fields. */
export function parseResults(doc: unknown): Results {
  const parsed = Results.safeParse(doc);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 8)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new Error(`results document does not match schemaVersion ${SCHEMA_VERSION}: ${issues}`);
  }
  return parsed.data;
}
