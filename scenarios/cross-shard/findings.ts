/** cross-shard's computed finding, notes and metrics: sentences built from the measured numbers only. */
import { formatMs } from '../../reports/format.ts';
import type { QueryResult, VariantResult } from '../../reports/schema.ts';
import type { NamedMetrics } from '../index.ts';
import { compareLatency } from '../measure.ts';
import { type CrossShardMetric, FAN_OUT_METRICS, QUESTIONS, type Question, SHARD_COUNTS, TOP_USERS } from './plan.ts';

/** The busiest tenant, whose tenant-local answers are measured. */
export interface PickedTenant {
  id: string;
  messages: number;
  total: number;
}

type Measured = ReadonlyArray<Pick<VariantResult, 'name' | 'queries'>>;

/** One measured query: variant, question, shard count (1: the single server) and scope. */
export function find(variants: Measured, variant: string, question: Question, shards: number, scope: 'global' | 'tenant'): QueryResult | undefined {
  return variants.find((v) => v.name === variant)?.queries.find((q) => q.name === question && q.params?.shards === shards && q.params?.scope === scope);
}

const WORDS: Record<Question, string> = { 'top-users': `the top ${TOP_USERS} users by messages`, 'daily-messages': 'the daily message count' };

function ratio(a?: QueryResult, b?: QueryResult): number | undefined {
  return a && b && b.latencyMs.p50 > 0 ? a.latencyMs.p50 / b.latencyMs.p50 : undefined;
}

/** Finding, notes and scenario metrics. Directions come from compareLatency: stated only when the 95 % intervals do not overlap. */
export function describeFindings(variants: Measured, tenant: PickedTenant): { finding: string; notes: string[]; metrics: NamedMetrics<CrossShardMetric> } {
  const sentence = (question: Question): string => {
    const single = find(variants, 'single-server', question, 1, 'global');
    const fans = SHARD_COUNTS.map((n) => `on ${n} shards ${compareLatency(find(variants, 'fan-out', question, n, 'global'), single)}`);
    const local = SHARD_COUNTS.map((n) => `on ${n} shards ${compareLatency(find(variants, 'tenant-local', question, n, 'tenant'), single)}`);
    return (
      `${WORDS[question]} for all tenants, fanned out in parallel to every shard and merged in the client, against one server holding all the data: ${fans.join('; ')}. ` +
      `The busiest tenant's own ${question} on its shard, against that one server's answer for all tenants: ${local.join('; ')}.`
    );
  };
  const upper = (t: string) => `${t[0].toUpperCase()}${t.slice(1)}`;
  const finding = `${upper(sentence('top-users'))} ${upper(sentence('daily-messages'))}`;
  const share = tenant.total > 0 ? tenant.messages / tenant.total : 0;
  const notes = [
    `The tenant-local answers are for the busiest tenant (id ${tenant.id}, ${tenant.messages.toLocaleString('en-US')} of ${tenant.total.toLocaleString('en-US')} messages, ${(share * 100).toFixed(0)} %): ` +
      `a smaller tenant's answer reads less. On one server that tenant's answers take ${QUESTIONS.map((q) => `${formatMs(find(variants, 'single-server', q, 1, 'tenant')?.latencyMs.p50 ?? NaN)} (${q})`).join(' and ')}.`,
    `A fan-out waits for its slowest shard: with hashed placement the shards are rarely even, and the busiest tenants decide which shard is slowest. ` +
      `The shards run on this machine beside the single server, so the parallel queries share its cores: on separate machines the fan-out's per-shard work would not compete, but every query would cross the network once per shard.`,
    `The merge is exact for these two questions only because they split by tenant: a user belongs to one tenant, and a day's count is a sum. Each shard returns its own top list, and the client keeps the best of their union.`,
  ];
  const metrics: NamedMetrics<CrossShardMetric> = { busiestTenantShare: share };
  for (const q of QUESTIONS) {
    for (const n of SHARD_COUNTS) metrics[FAN_OUT_METRICS[q][n]] = ratio(find(variants, 'fan-out', q, n, 'global'), find(variants, 'single-server', q, 1, 'global'));
  }
  return { finding, notes, metrics };
}
