/** What cross-shard measures: its variants, questions, shard counts and metric names (one source for index.ts and findings.ts). */
import type { MetricDeclarations } from '../index.ts';

export const VARIANTS = ['single-server', 'tenant-local', 'fan-out'] as const;
export type Variant = (typeof VARIANTS)[number];

/** The questions, each asked of one tenant and of all of them. */
export const QUESTIONS = ['top-users', 'daily-messages'] as const;
export type Question = (typeof QUESTIONS)[number];

/** Shard counts measured beside the single server (shard count 1). */
export const SHARD_COUNTS = [2, 3] as const;
export type ShardCount = (typeof SHARD_COUNTS)[number];

/** How many users the top list holds. */
export const TOP_USERS = 10;

/** The metric holding a fan-out's p50 over the single server's, per question and shard count. */
export const FAN_OUT_METRICS = {
  'top-users': { 2: 'topUsersFanOutOverSingle2', 3: 'topUsersFanOutOverSingle3' },
  'daily-messages': { 2: 'dailyFanOutOverSingle2', 3: 'dailyFanOutOverSingle3' },
} as const satisfies Record<Question, Record<ShardCount, string>>;

/** Ratios of two gated latencies and a fact of the data: shown, not judged. */
export const METRICS = {
  [FAN_OUT_METRICS['top-users'][2]]: { kind: 'info', unit: 'x', gated: false },
  [FAN_OUT_METRICS['top-users'][3]]: { kind: 'info', unit: 'x', gated: false },
  [FAN_OUT_METRICS['daily-messages'][2]]: { kind: 'info', unit: 'x', gated: false },
  [FAN_OUT_METRICS['daily-messages'][3]]: { kind: 'info', unit: 'x', gated: false },
  busiestTenantShare: { kind: 'info', gated: false },
} satisfies MetricDeclarations;
export type CrossShardMetric = keyof typeof METRICS;
