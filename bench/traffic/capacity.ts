/**
 * Capacity: the highest open-loop rate a server sustains while the SLO holds. The search
 * steps the offered rate up geometrically until a step fails, narrows the bracket by
 * bisection (on the log scale) to a stated precision, then holds 90 % of what it found
 * for a few confirmation windows. A step fails when the SLO is missed, when transactions
 * were dropped or the achieved rate fell short, or when the client was the limit; the
 * last is reported as the client's limit, never as the database's.
 *
 * Pure: the caller's `measure(rate)` runs one step (bench/traffic/engine.ts in pgscale,
 * a model in the unit tests).
 */

import { availableParallelism } from 'node:os';

/** Connections of an open loop by default: a pool a service on this machine would have (4 per CPU, at least 8). */
export function defaultPoolSize(cpus = availableParallelism()): number {
  return Math.max(8, 4 * cpus);
}

export type LimitedBy = 'latency' | 'errors' | 'client' | 'rate';
export type StepPhase = 'probe' | 'ramp' | 'bisect' | 'confirm';

/** One step: what was offered, what happened, and whether it passed. */
export interface CapacityStep {
  phase: StepPhase;
  rate: number;
  achievedRate: number;
  transactions: number;
  errors: number;
  dropped: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  clientBound: boolean;
  sloMet: boolean;
  passed: boolean;
  /** Measurement windows pooled into this step (more near the objective). */
  windows?: number;
  /** Why a failed step failed. */
  limitedBy?: LimitedBy;
}

export interface CapacitySearchOptions {
  /** First rate tried (transactions/s). */
  startRate: number;
  /** Factor between ramp steps. @default 1.5 */
  growth?: number;
  /** Stop bisecting when the bracket's width is at most this share of its low end. @default 0.05 */
  precision?: number;
  /** Steps at most (ramp and bisection; confirmation not counted). @default 20 */
  maxSteps?: number;
  /** No rate below this is tried. @default 1 */
  minRate?: number;
  /** Confirmation: this share of the capacity, held for `confirmWindows` windows. @default 0.9, 3 */
  confirmShare?: number;
  confirmWindows?: number;
  /** Called after each step (progress). */
  onStep?(step: CapacityStep): void;
  signal?: AbortSignal;
}

export interface CapacityOutcome {
  /** The highest rate that passed (0 when none did). */
  maxRate: number;
  /** The bracket the capacity lies in: the highest passing and the lowest failing rate. */
  low: number;
  high: number;
  /** What ended the climb: the failing step's reason, or undefined when no step failed within maxSteps. */
  limitedBy?: LimitedBy;
  steps: CapacityStep[];
  confirmation?: { rate: number; met: boolean; windows: CapacityStep[] };
  /** Why the search stopped early, when it did. */
  note?: string;
}

/** Whether a measured step passed, and if not, why: the client first (its limit is not the database's). */
export function judgeStep(s: Omit<CapacityStep, 'passed' | 'limitedBy' | 'phase' | 'windows'> & { errorsMet?: boolean }): { passed: boolean; limitedBy?: LimitedBy } {
  if (s.clientBound) return { passed: false, limitedBy: 'client' };
  if (s.errorsMet === false) return { passed: false, limitedBy: 'errors' };
  if (!s.sloMet) return { passed: false, limitedBy: 'latency' };
  if (s.dropped > 0 || s.achievedRate < 0.9 * s.rate) return { passed: false, limitedBy: 'rate' };
  return { passed: true };
}

/** Run the search. */
export async function searchCapacity(measure: (rate: number, phase: StepPhase) => Promise<CapacityStep>, opts: CapacitySearchOptions): Promise<CapacityOutcome> {
  const growth = opts.growth ?? 1.5;
  const precision = opts.precision ?? 0.05;
  const maxSteps = opts.maxSteps ?? 20;
  const minRate = opts.minRate ?? 1;
  const steps: CapacityStep[] = [];
  const step = async (rate: number, phase: StepPhase) => {
    const s = await measure(rate, phase);
    if (phase !== 'confirm') steps.push(s);
    opts.onStep?.(s);
    return s;
  };
  const stopped = () => opts.signal?.aborted ?? false;
  const round = (r: number) => Number(r.toPrecision(3));

  let low = 0;
  let high = Infinity;
  let failed: CapacityStep | undefined;
  let note: string | undefined;
  // Ramp up until a step fails; when the first one fails, ramp down until one passes.
  let rate = Math.max(minRate, round(opts.startRate));
  while (steps.length < maxSteps && !stopped()) {
    const s = await step(rate, 'ramp');
    if (s.passed) {
      low = rate;
      if (high !== Infinity) break;
      rate = round(rate * growth);
    } else {
      high = rate;
      failed = s;
      if (low > 0) break;
      if (rate <= minRate) {
        note = `even ${minRate} transactions/s missed the objective`;
        break;
      }
      rate = Math.max(minRate, round(rate / growth));
    }
  }
  if (high === Infinity && !note) note = `no step failed in ${maxSteps} steps: the capacity is above ${low} transactions/s`;
  // Bisect the bracket on the log scale.
  const bisect = async () => {
    while (low > 0 && high !== Infinity && (high - low) / low > precision && steps.length < maxSteps && !stopped()) {
      const mid = round(Math.sqrt(low * high));
      if (mid <= low || mid >= high) break;
      const s = await step(mid, 'bisect');
      if (s.passed) low = mid;
      else {
        high = mid;
        failed = s;
      }
    }
  };
  await bisect();

  // Confirmation: hold a share of the capacity for a few windows. A single step can pass
  // by luck (a window without a checkpoint); when the longer hold fails, the capacity was
  // not real: it becomes the bracket's top, and the search goes on below it, once.
  let confirmation: CapacityOutcome['confirmation'];
  const windows = opts.confirmWindows ?? 3;
  const share = opts.confirmShare ?? 0.9;
  for (let attempt = 0; attempt < 2 && low > 0 && windows > 0 && !stopped(); attempt++) {
    const confirmRate = round(low * share);
    const held: CapacityStep[] = [];
    for (let i = 0; i < windows && !stopped(); i++) {
      const s = await step(confirmRate, 'confirm');
      held.push(s);
      if (!s.passed) break;
    }
    confirmation = { rate: confirmRate, met: held.length === windows && held.every((s) => s.passed), windows: held };
    if (confirmation.met || attempt === 1) break;
    // Not held: the confirmation rate is the new top, and the steps that passed below it
    // are no longer trusted (they may have been lucky too): measure down from it again.
    failed = held.find((s) => !s.passed)!;
    high = confirmRate;
    low = 0;
    note = `${confirmRate} tx/s did not hold the objective in a longer confirmation: the search went on below it`;
    for (let r = round(confirmRate / growth); r >= minRate && steps.length < maxSteps && !stopped(); r = round(r / growth)) {
      const s = await step(r, 'ramp');
      if (s.passed) {
        low = r;
        break;
      }
      high = r;
      failed = s;
    }
    await bisect();
  }
  if (stopped()) note = 'interrupted';
  return { maxRate: low, low, high: Number.isFinite(high) ? high : low, limitedBy: failed?.limitedBy, steps, confirmation, note };
}
