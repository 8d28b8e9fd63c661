/**
 * Scenario `capacity`: the highest open-loop rate of the platform mix that meets the SLO
 * (README.md beside this file). The search itself is bench/traffic/find-capacity.ts;
 * this module runs it on the run's traffic data set and turns the outcome into results.
 */
import { availableParallelism } from 'node:os';
import { datasetParams, finishDatasetRun, prepareWorkload, trafficConnection } from '../../bench/traffic/dataset-run.ts';
import { defaultPoolSize } from '../../bench/traffic/capacity.ts';
import { type CapacityRun, findCapacity } from '../../bench/traffic/find-capacity.ts';
import { DEFAULT_SLO, type Slo, parseSlo } from '../../bench/traffic/slo.ts';
import { importWorkload } from '../../bench/traffic/workload.ts';
import { toolFingerprint } from '../../bench/environment.ts';
import { PLATFORM_MIX } from '../../workloads/index.ts';
import type { CapacityResult } from '../../reports/schema.ts';
import type { MetricDeclarations, Scenario, ScenarioOutcome } from '../index.ts';

/**
 * The capacity is gated (bigger is better); its bracket is shown, never judged on its own.
 * `pgscale traffic --find-capacity` records the same metrics under the same declarations.
 */
export const CAPACITY_METRIC_KINDS = {
  maxRate: { kind: 'throughput', unit: 'ops/s', direction: 'bigger' },
  maxRateLow: { kind: 'throughput', unit: 'ops/s', direction: 'bigger', gated: false },
  maxRateHigh: { kind: 'throughput', unit: 'ops/s', direction: 'bigger', gated: false },
} satisfies MetricDeclarations;
type CapacityMetric = keyof typeof CAPACITY_METRIC_KINDS;

const rate = (r: number) => `${Number(r.toPrecision(3)).toLocaleString('en-US')} tx/s`;

/** The results' view of a search, with the SLO's latency term for the chart. */
export function capacityResult(run: CapacityRun, slo: Slo): CapacityResult {
  const latency = slo.terms.find((t) => t.kind === 'latency');
  return {
    slo: run.slo,
    ...(latency?.kind === 'latency' ? { sloLatency: { percentile: latency.percentile, limitMs: latency.limitMs } } : {}),
    maxRate: run.maxRate,
    low: run.low,
    high: run.high,
    limitedBy: run.limitedBy,
    clients: run.clients,
    stepSeconds: run.stepSeconds,
    probeRate: run.probeRate,
    steps: run.steps,
    confirmation: run.confirmation,
    note: run.note,
  };
}

/** One sentence: the capacity, its bracket, what limited it, and whether 90 % of it held. */
export function capacityFinding(c: CapacityResult, workload = 'the platform mix'): string {
  if (c.maxRate === 0) return `${workload} met ${c.slo} at no rate tried${c.note ? ` (${c.note})` : ''}${c.limitedBy === 'client' ? ': the client was the limit' : ''}.`;
  const why = { latency: 'database latency broke the objective', errors: 'errors broke the objective', rate: 'the server could not keep the offered rate', client: 'the client was the limit, so the database can do more than this' }[c.limitedBy ?? 'latency'];
  const bracket = c.high > c.low ? ` (between ${rate(c.low)} and ${rate(c.high)})` : '';
  const conf = c.confirmation ? `; 90 % of it (${rate(c.confirmation.rate)}) ${c.confirmation.met ? 'held' : 'did NOT hold'} the objective for ${c.confirmation.windows.length} × ${2 * c.stepSeconds} s` : '';
  return `${workload} sustains ${rate(c.maxRate)}${bracket} with ${c.slo} on ${c.clients} connections; beyond it ${c.note && c.high === c.low ? c.note : why}${conf}.`;
}

export const capacity: Scenario<CapacityMetric> = {
  name: 'capacity',
  description: 'the highest rate of the platform mix that meets the SLO (p99<50ms, errors<0.1%), and the latency curve up to it',
  hypothesis: 'The mix meets the objective up to a rate well below the closed-loop throughput; past it p99 breaks sharply as queues grow.',
  claim: 'Test at scale, with production-like volumes in staging: the design\'s indexes, partitions and pooling exist to hold latency under load.',
  variants: [],
  trafficDatasets: ['smallint'],
  metrics: CAPACITY_METRIC_KINDS,
  async run(ctx): Promise<ScenarioOutcome<CapacityMetric>> {
    const ds = await ctx.trafficDataset('smallint');
    const slo = parseSlo(DEFAULT_SLO);
    const admin = await ctx.target.connect();
    try {
      const params = await datasetParams(admin, ds.schema, { scale: ctx.data.scale, seed: ctx.data.seed, months: ctx.data.months, enums: 'smallint', vars: {} });
      const module = await importWorkload(PLATFORM_MIX);
      await prepareWorkload(ctx.target, ds.schema, module.prepare, params);
      const startedAt = new Date();
      const clients = defaultPoolSize();
      const run = await findCapacity({
        connection: trafficConnection(ctx.target, ds.schema),
        workload: { kind: 'mix', name: 'platform', path: PLATFORM_MIX },
        params,
        slo,
        clients,
        threads: Math.min(availableParallelism(), clients),
        vacuum: module.updates,
        stepSeconds: ctx.traffic.stepSeconds,
        warmupSeconds: ctx.traffic.warmupSeconds,
        seed: ctx.data.seed,
        log: ctx.log,
        onStep: (s) =>
          ctx.log(
            `capacity: ${s.phase} ${rate(s.rate)} → ${s.achievedRate.toFixed(0)} tx/s, p99 ${s.p99Ms.toFixed(1)} ms, ${s.errors} errors${s.passed ? ' ✓' : ` ✗ (${s.limitedBy})`}`,
          ),
      });
      const dataset = await finishDatasetRun(admin, ds.schema, { params, startedAt, tool: `pgscale ${toolFingerprint().version} scenario capacity`, transactions: run.transactions });
      const result = capacityResult(run, slo);
      const notes = [
        `The search ran on ${ds.schema}, the run's traffic data set, and wrote ${Object.values(run.transactions).reduce((a, b) => a + b, 0).toLocaleString('en-US')} transactions to it (recorded in its _pgscale_traffic); the data sets the other scenarios measure were not touched.`,
        ...(run.probeRate ? [`A closed loop of ${clients} connections did ${rate(run.probeRate)}: the search started at a quarter of it.`] : []),
        ...(Object.values(dataset?.defaultPartitionRows ?? {}).some((n) => n > 0) ? [`Rows landed in DEFAULT partitions: ${JSON.stringify(dataset?.defaultPartitionRows)}.`] : []),
        ...(result.limitedBy === 'client' ? ['The client was the limit at the failing step: this capacity is a lower bound of the database\'s. Run with more CPU for the client, or from another machine.'] : []),
      ];
      return {
        finding: capacityFinding(result),
        notes,
        variants: [],
        metrics: { maxRate: result.maxRate, maxRateLow: result.low, maxRateHigh: result.high },
        capacity: result,
      };
    } finally {
      await admin.end();
    }
  },
};
