/**
 * The capacity search on a real server: each step is an open-loop run of the traffic
 * engine at one rate, judged against the SLO (capacity.ts decides what to try next).
 * Without a start rate, a short closed-loop probe with the same connections says
 * roughly how fast the server goes, and the search starts at a quarter of that.
 */
import type pg from 'pg';
import { type CapacityOutcome, type CapacityStep, type StepPhase, judgeStep, searchCapacity } from './capacity.ts';
import { runTraffic } from './engine.ts';
import type { Slo } from './slo.ts';
import type { WorkloadParams, WorkloadSpec } from './workload.ts';

export interface FindCapacityOptions {
  connection: pg.ClientConfig;
  workload: WorkloadSpec;
  params: WorkloadParams;
  scriptVars?: Record<string, number | string>;
  slo: Slo;
  /** Connections in flight at most (the pool a service would have). */
  clients: number;
  threads: number;
  /** Measurement window of each step, and its warm-up. */
  stepSeconds: number;
  warmupSeconds: number;
  /** Confirmation windows' length. @default 2 × stepSeconds */
  confirmSeconds?: number;
  confirmWindows?: number;
  /** First rate; default: a quarter of a short closed-loop probe's throughput. */
  startRate?: number;
  precision?: number;
  maxSteps?: number;
  seed: number;
  onStep?(step: CapacityStep): void;
  log?(line: string): void;
  signal?: AbortSignal;
}

export interface CapacityRun extends CapacityOutcome {
  slo: string;
  /** The closed-loop probe's throughput, when one ran. */
  probeRate?: number;
  /** Transactions committed per transaction type over the whole search (what it wrote). */
  transactions: Record<string, number>;
  stepSeconds: number;
  clients: number;
}

/** Search for the highest rate that meets the SLO. */
export async function findCapacity(opts: FindCapacityOptions): Promise<CapacityRun> {
  const started = Date.now();
  const written: Record<string, number> = {};
  const base = {
    connection: opts.connection,
    workload: opts.workload,
    scriptVars: opts.scriptVars,
    clients: opts.clients,
    threads: opts.threads,
    seed: opts.seed,
    signal: opts.signal,
  };
  // Each step continues the data set's clock, so its rows never share timestamps with the last step's.
  const params = () => ({ ...opts.params, clockStartMs: opts.params.clockStartMs + (Date.now() - started) });
  const tally = (perTx: Array<{ name: string; transactions: number }>) => {
    for (const t of perTx) written[t.name] = (written[t.name] ?? 0) + t.transactions;
  };

  let probeRate: number | undefined;
  let startRate = opts.startRate;
  if (startRate === undefined) {
    const probe = await runTraffic({ ...base, params: params(), durationSeconds: Math.max(2, Math.round(opts.stepSeconds / 2)), warmupSeconds: opts.warmupSeconds });
    tally(probe.traffic.perTransaction);
    if (probe.fatal) throw new Error(probe.fatal.message);
    probeRate = probe.traffic.achievedRate;
    startRate = Math.max(1, probeRate / 4);
    opts.log?.(`capacity: a closed loop of ${opts.clients} connections did ${probeRate.toFixed(0)} tx/s; the search starts at ${Number(startRate.toPrecision(3))} tx/s`);
  }

  let stepIndex = 0;
  const measure = async (rate: number, phase: StepPhase): Promise<CapacityStep> => {
    // A seed of its own per step: with one seed every step's Poisson draws would run
    // high or low by the same share, a bias on every rate the search reports.
    const run = await runTraffic({ ...base, seed: opts.seed + 7919 * ++stepIndex, params: params(), rate, durationSeconds: phase === 'confirm' ? (opts.confirmSeconds ?? 2 * opts.stepSeconds) : opts.stepSeconds, warmupSeconds: opts.warmupSeconds, slo: opts.slo });
    if (run.fatal) throw new Error(run.fatal.message);
    const t = run.traffic;
    tally(t.perTransaction);
    const checks = t.slo?.checks ?? [];
    const measured = {
      rate,
      achievedRate: t.achievedRate,
      transactions: t.transactions,
      errors: t.errors,
      dropped: t.dropped,
      p50Ms: t.latencyMs.p50,
      p99Ms: t.latencyMs.p99,
      p999Ms: t.latencyMs.p999,
      clientBound: t.clientBound,
      sloMet: t.slo?.met ?? true,
    };
    const errorsMet = checks.filter((c) => c.term.startsWith('errors')).every((c) => c.met);
    return { phase, ...measured, ...judgeStep({ ...measured, errorsMet }) };
  };

  const outcome = await searchCapacity(measure, {
    startRate,
    precision: opts.precision,
    maxSteps: opts.maxSteps,
    confirmWindows: opts.confirmWindows,
    onStep: opts.onStep,
    signal: opts.signal,
  });
  return { ...outcome, slo: opts.slo.spec, probeRate, transactions: written, stepSeconds: opts.stepSeconds, clients: opts.clients };
}
