/**
 * What the regression gate needs to know about two load tests beyond their metrics
 * (traffic-metrics.ts): whether they may be compared at all, which warnings to give, and
 * the throughput rules a rank test alone would get wrong.
 *
 * - A partial baseline (the run ended early) is refused: it is no reference.
 * - Throughput is only comparable at equal offered load: the same mode and, in a closed
 *   loop, the same clients; in an open loop, target rates within 1 % and the same stages.
 *   Otherwise it is inconclusive, with the reason, never silently left out.
 * - In an open loop a run that kept up with its schedule completes what was offered, so
 *   its throughput is the schedule's: two runs that both kept up are unchanged. Only
 *   when either fell behind does the rank test on per-second transactions judge it.
 * - When the client was the limit, throughput measures the load generator: inconclusive,
 *   with a warning.
 */
import type { Judgement } from './compare.ts';
import type { Comparability } from './fingerprint.ts';
import type { Results, Traffic } from './schema.ts';
import type { GateConfig } from './thresholds.ts';
import { TRAFFIC_ERROR_RATE_ID, TRAFFIC_THROUGHPUT_ID } from './traffic-metrics.ts';

/** Open-loop target rates closer than this (relative) offer the same load. */
export const RATE_AGREEMENT = 0.01;

/**
 * Default thresholds for traffic metrics, as id-glob overrides placed before the user's
 * (which therefore win): an error rate is judged above a noise floor of 0.1 percentage
 * points (one failed attempt in a thousand), since a relative change from near zero is
 * huge and means nothing.
 */
export const TRAFFIC_THRESHOLDS: GateConfig['overrides'] = [{ pattern: TRAFFIC_ERROR_RATE_ID, threshold: { absolute: 0.1 } }];

/** The config with the traffic defaults in front of its own overrides. */
export function withTrafficThresholds(config: GateConfig): GateConfig {
  return { ...config, overrides: [...TRAFFIC_THRESHOLDS, ...config.overrides] };
}

function rate(v: number): string {
  return `${Number(v.toPrecision(4)).toLocaleString('en-US')} tx/s`;
}

function workloadName(t: Traffic): string {
  return `${t.workload.kind} ${t.workload.name}`;
}

/**
 * Whether a run kept up with its open-loop schedule: it achieved the target rate less the
 * Poisson noise of the count (3 standard deviations of `target × seconds` arrivals, at
 * least 1 %).
 */
export function keptUp(t: Traffic): boolean {
  if (t.mode !== 'open' || t.targetRate === null || t.targetRate <= 0 || t.durationSeconds <= 0) return false;
  const tolerance = Math.max(0.01, 3 / Math.sqrt(t.targetRate * t.durationSeconds));
  return t.achievedRate >= t.targetRate * (1 - tolerance);
}

/** Why the two runs did not offer the same load, or undefined when they did. */
export function offeredLoadDiffers(a: Traffic, b: Traffic): string | undefined {
  if (a.mode !== b.mode) return `${a.mode} loop in the baseline, ${b.mode} loop now`;
  if (a.mode === 'closed') {
    return a.clients === b.clients ? undefined : `${a.clients} clients in the baseline, ${b.clients} now (a closed loop's offered load is its clients)`;
  }
  if (a.targetRate === null || b.targetRate === null) return 'an open loop without a recorded target rate';
  if (Math.abs(b.targetRate / a.targetRate - 1) > RATE_AGREEMENT) {
    return `offered ${rate(a.targetRate)} in the baseline, ${rate(b.targetRate)} now (target rates must agree within ${RATE_AGREEMENT * 100} %)`;
  }
  if (JSON.stringify(a.stages ?? []) !== JSON.stringify(b.stages ?? [])) return 'the rate stages differ';
  return undefined;
}

function clientBoundText(t: Traffic): string {
  return t.clientBoundReasons && t.clientBoundReasons.length > 0 ? ` (${t.clientBoundReasons.join('; ')})` : '';
}

/** Like with like for the load tests of two results documents (merged into fingerprint.ts's check). */
export function checkTrafficComparable(baseline: Results, current: Results): Comparability {
  const problems: string[] = [];
  const warnings: string[] = [];
  const a = baseline.traffic;
  const b = current.traffic;
  if (a && (a.partial || baseline.partial)) {
    problems.push(`the baseline load test ended early${a.stoppedBecause ? ` (${a.stoppedBecause})` : ''} and covers only ${a.durationSeconds} s: a partial run cannot be a baseline`);
  }
  if (a && !b) warnings.push('a load test (traffic) only in the baseline: its metrics are missing in the current run');
  if (!a && b) warnings.push('a load test (traffic) only in the current run: the baseline has nothing to compare it with');
  if (!a || !b) return { problems, warnings };

  if (a.workload.kind !== b.workload.kind || a.workload.name !== b.workload.name) {
    problems.push(`load test workload differs (baseline ${workloadName(a)}, current ${workloadName(b)})`);
  } else if (a.workload.sources.join(',') !== b.workload.sources.join(',')) {
    warnings.push(`load test workload sources differ (baseline ${a.workload.sources.join(', ')}, current ${b.workload.sources.join(', ')})`);
  }
  const differs = offeredLoadDiffers(a, b);
  if (differs) warnings.push(`load test offered load differs (${differs}): throughput is not compared, and the latencies were measured under different loads`);
  if (a.clientBound) warnings.push(`the client was the limit in the baseline load test${clientBoundText(a)}: the throughput comparison measures the client, not the database`);
  if (b.clientBound) warnings.push(`the client was the limit in the current load test${clientBoundText(b)}: the throughput comparison measures the client, not the database`);
  if (b.partial || current.partial) warnings.push(`the current load test ended early${b.stoppedBecause ? ` (${b.stoppedBecause})` : ''}: its figures cover the ${b.durationSeconds} s that ran`);
  if (a.dataset && b.dataset && a.dataset.schema !== b.dataset.schema) warnings.push(`load test data set differs (baseline schema ${a.dataset.schema}, current ${b.dataset.schema})`);
  return { problems, warnings };
}

function relChange(a: number, b: number): number {
  if (a === 0) return b === 0 ? 0 : Infinity;
  return b / a - 1;
}

/**
 * Verdicts decided before any test: the throughput of two load tests when the offered
 * loads differ, when the client was the limit, or when both kept up with an open-loop
 * schedule. Metrics not in the map go through the gate's usual path.
 */
export function trafficJudgements(baseline: Results, current: Results): Map<string, Judgement> {
  const out = new Map<string, Judgement>();
  const a = baseline.traffic;
  const b = current.traffic;
  if (!a || !b) return out;
  const change = relChange(a.achievedRate, b.achievedRate);
  const differs = offeredLoadDiffers(a, b);
  if (differs) {
    out.set(TRAFFIC_THROUGHPUT_ID, { change, method: 'not-comparable', verdict: 'inconclusive', reason: `not comparable: ${differs}` });
  } else if (a.clientBound || b.clientBound) {
    const where = a.clientBound && b.clientBound ? 'both runs' : a.clientBound ? 'the baseline' : 'the current run';
    out.set(TRAFFIC_THROUGHPUT_ID, { change, method: 'not-comparable', verdict: 'inconclusive', reason: `the client was the limit in ${where}: this throughput is the load generator's, not the database's` });
  } else if (a.mode === 'open' && keptUp(a) && keptUp(b)) {
    out.set(TRAFFIC_THROUGHPUT_ID, {
      change,
      method: 'offered-load',
      verdict: 'unchanged',
      reason: `open loop: both runs kept up with the offered ${rate(a.targetRate!)}, so their throughput is the schedule's`,
    });
  }
  return out;
}
