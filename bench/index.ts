/** The measurement primitives scenarios share, exported by name. */
export {
  type LatencyOptions,
  type LatencyResult,
  type ResolvedLatencyOptions,
  measureClientFloor,
  measureLatency,
  resolveLatencyOptions,
  subsampleSorted,
} from './latency.ts';
export { type RelationSize, findSize, indexSize, tableSizes } from './sizes.ts';
export { type ExplainJson, type ExplainOptions, type Explained, type PlanSummary, explain, scannedRelations, summarizePlan, usesIndex } from './explain.ts';
export { type EnvironmentFingerprint, KEY_SETTINGS, type ToolFingerprint, environmentFingerprint, postgresFingerprint, toolFingerprint } from './environment.ts';
export { type CacheOptions, type CacheReport, type PrewarmMethod, describeCacheState, warmCache } from './cache.ts';
export { type DelayProxy, type DelayProxyOptions, type ProxyCounters, type Upstream, startDelayProxy, upstreamOf, viaProxy } from './delay-proxy.ts';
