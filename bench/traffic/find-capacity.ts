/**
 * The capacity search on a real server: each step is an open-loop run of the traffic
 * engine at one rate, judged against the SLO (capacity.ts decides what to try next).
 * Without a start rate, a short closed-loop probe with the same connections says
 * roughly how fast the server goes, and the search starts at a quarter of that.
 */
import pg from 'pg';
import { quoteIdent } from '../../db/quote.ts';
import { type CapacityOutcome, type CapacityStep, type StepPhase, judgeStep, searchCapacity } from './capacity.ts';
import * as hdr from 'hdr-histogram-js';
import type { Traffic } from '../../reports/schema.ts';
import { newHistogram, runTraffic } from './engine.ts';
import { type Slo, judgeSlo } from './slo.ts';
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
  /** Windows at most per step when its p99 is within 25 % of the objective. @default 3 */
  maxWindows?: number;
  /** Tables the workload updates (on the connection's search_path): vacuumed after every window. */
  vacuum?: readonly string[];
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

/** Several windows at one rate as one: histograms merged, counts added, rates averaged. */
function pool(windows: Traffic[]) {
  const h = newHistogram();
  for (const w of windows) h.add(hdr.decodeFromCompressedBase64(w.histogram));
  const sum = (f: (w: Traffic) => number) => windows.reduce((a, w) => a + f(w), 0);
  return {
    latencyAt: (q: number) => (h.totalCount ? Math.min(h.getValueAtPercentile(q), h.maxValue) / 1000 : 0),
    transactions: sum((w) => w.transactions),
    errors: sum((w) => w.errors),
    dropped: sum((w) => w.dropped),
    achievedRate: sum((w) => w.achievedRate) / windows.length,
    clientBound: windows.some((w) => w.clientBound),
  };
}

/** VACUUM the tables a workload updates, then wait (up to 30 s) until no backend of a load test and no autovacuum worker is busy any more, and a second more. */
async function settle(config: pg.ClientConfig, vacuum: readonly string[], log?: (line: string) => void): Promise<void> {
  const client = new pg.Client({ ...config, application_name: 'pgscale settle' });
  await client.connect();
  try {
    // VACUUM alone: ANALYZE mid-search could change plans between steps.
    if (vacuum.length) await client.query(`VACUUM ${vacuum.map(quoteIdent).join(', ')}`);
    const deadline = Date.now() + 30_000;
    let active = 0;
    do {
      // The test's own backends, and autovacuum catching up with what the overload wrote.
      const r = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE (application_name = 'pgscale traffic' AND state <> 'idle') OR backend_type = 'autovacuum worker'`,
      );
      active = r.rows[0].n;
      if (active > 0) await new Promise((r2) => setTimeout(r2, 200));
    } while (active > 0 && Date.now() < deadline);
    if (active > 0) log?.(`capacity: ${active} backends (load test or autovacuum) were still busy 30 s after the step; going on`);
    await new Promise((r2) => setTimeout(r2, 1000));
  } finally {
    await client.end();
  }
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
  const latencyTerm = opts.slo.terms.find((t) => t.kind === 'latency');
  const window = async (rate: number, seconds: number) => {
    // A seed of its own per window: with one seed every step's Poisson draws would run
    // high or low by the same share, a bias on every rate the search reports.
    // A window whose backlog has clearly run away is cut short: it has failed already, and
    // an overload left to run keeps the server saturated, and writing, well past the step;
    // the next steps would measure that aftermath.
    const cut = new AbortController();
    const outer = () => cut.abort();
    opts.signal?.addEventListener('abort', outer, { once: true });
    const runaway = Math.max(1000, 10 * (latencyTerm?.kind === 'latency' ? latencyTerm.limitMs : 100));
    const run = await runTraffic({
      ...base,
      signal: cut.signal,
      drainSeconds: 2,
      seed: opts.seed + 7919 * ++stepIndex,
      params: params(),
      rate,
      durationSeconds: seconds,
      warmupSeconds: opts.warmupSeconds,
      slo: opts.slo,
      progressSeconds: 1,
      onProgress: (p) => {
        if (!p.warmup && p.lagP99Ms > runaway) cut.abort();
      },
    }).finally(() => opts.signal?.removeEventListener('abort', outer));
    if (run.fatal) throw new Error(run.fatal.message);
    tally(run.traffic.perTransaction);
    // An overloaded window leaves backends still working through what its cut connections
    // sent: the next one must not start on a server that is still busy with this one. And
    // every window leaves dead row versions behind: vacuum them, as an autovacuum that
    // keeps up would, so each step measures the same database, not the last one's bloat.
    await settle(opts.connection, opts.vacuum ?? [], opts.log);
    return run.traffic;
  };
  const measure = async (rate: number, phase: StepPhase): Promise<CapacityStep> => {
    const seconds = phase === 'confirm' ? (opts.confirmSeconds ?? 2 * opts.stepSeconds) : opts.stepSeconds;
    const windows = [await window(rate, seconds)];
    // Near the objective a window's p99 rests on a few dozen transactions: measure again
    // and judge the pooled histogram, so a step is not decided by one lucky or unlucky
    // window (up to three windows, only where the verdict is close).
    const pooled = () => pool(windows);
    while (latencyTerm?.kind === 'latency' && windows.length < (opts.maxWindows ?? 3) && !opts.signal?.aborted) {
      const p = pooled().latencyAt(latencyTerm.percentile);
      if (Math.abs(p - latencyTerm.limitMs) / latencyTerm.limitMs > 0.25 || windows.some((w) => w.clientBound || w.dropped > 0)) break;
      windows.push(await window(rate, seconds));
    }
    const w = pooled();
    const verdict = judgeSlo(opts.slo, w);
    // A window cut short for a runaway backlog failed, whatever its figures so far say.
    if (windows.some((x) => x.partial) && !opts.signal?.aborted) verdict.met = false;
    const measured = {
      rate,
      achievedRate: w.achievedRate,
      transactions: w.transactions,
      errors: w.errors,
      dropped: w.dropped,
      p50Ms: w.latencyAt(50),
      p99Ms: w.latencyAt(99),
      p999Ms: w.latencyAt(99.9),
      clientBound: w.clientBound,
      sloMet: verdict.met,
      windows: windows.length,
    };
    const errorsMet = verdict.checks.filter((c) => c.term.startsWith('errors')).every((c) => c.met);
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
