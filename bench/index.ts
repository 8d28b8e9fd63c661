/** The measurement primitives scenarios share, exported by name. */
export {
  type LatencyOptions,
  type LatencyResult,
  type LatencyState,
  type ResolvedLatencyOptions,
  type UnderSampled,
  measureClientFloor,
  measureLatency,
  resolveLatencyOptions,
  subsampleSorted,
  underSampledPercentiles,
} from './latency.ts';
export { type Guard, QUERY_CANCELED, StatementTimeout, statementTimeoutGuard, withStatementTimeout } from './timeout.ts';
export { type RelationSize, findSize, indexSize, tableSizes } from './sizes.ts';
export { type ExplainJson, type ExplainOptions, type Explained, type PlanSummary, explain, scannedRelations, summarizePlan, usesIndex } from './explain.ts';
export { type EnvironmentFingerprint, KEY_SETTINGS, type ToolFingerprint, environmentFingerprint, postgresFingerprint, toolFingerprint } from './environment.ts';
export { type CacheOptions, type CacheReport, type PrewarmMethod, describeCacheState, warmCache } from './cache.ts';
export { type DelayProxy, type DelayProxyOptions, type ProxyCounters, type Upstream, startDelayProxy, upstreamOf, viaProxy } from './delay-proxy.ts';
