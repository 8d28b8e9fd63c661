/**
 * The traffic engine's main thread: starts the worker threads (each owning its share of
 * the connections and of the offered rate), starts them together, merges what they
 * record into HdrHistograms (per transaction type, overall, schedule lag) and one-second
 * series, watches the client's own health, and returns the `traffic` section of the
 * results document. Measurement only: printing is the CLI's.
 */
import * as hdr from 'hdr-histogram-js';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import { workerUrl } from '../../core/module-url.ts';
import { PLACEMENT } from '../../db/placement.ts';
import type { Traffic, TrafficLatency, TrafficSecond } from '../../reports/schema.ts';
import type { Stage } from './schedule.ts';
import { type Slo, judgeSlo } from './slo.ts';
import { Field, RECORD_FIELDS, type WorkerConfig, type WorkerMessage } from './protocol.ts';
import type { WorkloadParams, WorkloadSpec } from './workload.ts';

export interface TrafficOptions {
  /** node-postgres config of the server (search_path and TimeZone included); on a sharded target, `shards` instead. */
  connection?: pg.ClientConfig;
  /**
   * A sharded target: one config per shard, in shard order. Every client holds a connection
   * to each shard and runs each transaction on its tenant's shard (TxContext.tenant).
   */
  shards?: pg.ClientConfig[];
  workload: WorkloadSpec;
  params: WorkloadParams;
  /** pgbench's predefined variables for scripts. */
  scriptVars?: Record<string, number | string>;
  /** Connections in all; with a rate, the bound on transactions in flight. */
  clients: number;
  /** Worker threads. @default min(clients, CPU count) */
  threads: number;
  /** Open loop: transactions per second (the rate before the first stage when stages are given). */
  rate?: number;
  stages?: Stage[];
  /** @default 'poisson' */
  arrivals?: 'poisson' | 'uniform';
  durationSeconds: number;
  warmupSeconds: number;
  seed: number;
  /** @default 3 */
  maxTries?: number;
  /** Per thread. @default 100000 */
  maxQueue?: number;
  /** @default 10 */
  drainSeconds?: number;
  /** @default 10000 */
  reconnectTimeoutMs?: number;
  /** A new connection for every transaction (the serverless pattern). @default false */
  connectPerTransaction?: boolean;
  /** Named prepared statements. @default true */
  preparedStatements?: boolean;
  /** Seconds between progress reports. @default 5 */
  progressSeconds?: number;
  onProgress?(p: ProgressReport): void;
  /** Ends the run early, with what was measured (marked partial). */
  signal?: AbortSignal;
  slo?: Slo;
  /**
   * This process's share of a run split over several (`traffic --part`): its first client
   * id and its arrival streams follow the other parts', so the parts together draw what one
   * client with all the connections would, not the same keys and arrivals N times over.
   */
  share?: { index: number; count: number; firstClientId: number };
  /** Keep each second's histograms in the series (`traffic --part`, for an exact `pgscale merge`). @default false */
  secondHistograms?: boolean;
  /** Start no earlier than this (ms since the epoch), so the parts of a split run line up. */
  startAtMs?: number;
}

/** One progress line's figures (pgbench -P). */
export interface ProgressReport {
  elapsedSeconds: number;
  /** Open loop: schedule lag and the queue mean something. */
  open: boolean;
  warmup: boolean;
  tps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  lagP99Ms: number;
  busy: number;
  clients: number;
  queued: number;
  dropped: number;
  cpuCores: number;
}

export interface TrafficRun {
  traffic: Traffic;
  /** When the measurement window opened (ms since the epoch), 0 when it never started. */
  windowStartMs: number;
  /** Set when a worker could not go on (the server gone for good). */
  fatal?: { message: string; code?: string };
}

/** Latencies are kept in microseconds, 3 significant digits, up to an hour. */
export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

/** p50 … max and mean of a histogram in µs, as milliseconds. */
export function latencyOf(h: hdr.Histogram): TrafficLatency {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  // HDR reports a bucket's highest equivalent value, which can sit just above the true maximum.
  const at = (q: number) => Math.min(h.getValueAtPercentile(q), h.maxValue) / 1000;
  return { p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: h.maxValue / 1000, mean: h.mean / 1000 };
}

/** Percentile q (0..100) of an unsorted array, nearest rank. */
function pct(xs: number[] | Float64Array, q: number): number {
  if (xs.length === 0) return 0;
  const sorted = Float64Array.from(xs).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1))];
}

interface SecondBucket {
  latencies: number[];
  lags: number[];
  perTx: Array<{ latencies: number[]; errors: number }>;
  errors: number;
  busy?: number;
  /** With secondHistograms: the second's latency (overall, per transaction type) and lag histograms. */
  hist?: { overall: hdr.Histogram; perTx: hdr.Histogram[]; lag: hdr.Histogram };
}

/** A histogram, encoded as the results document keeps it. */
const encoded = (h: hdr.Histogram) => hdr.encodeIntoCompressedBase64(h);

/** One second's summary: nearest-rank percentiles of what completed in it. */
export function summariseSecond(second: number, latencies: number[], errors: number, extra: Partial<TrafficSecond> = {}): TrafficSecond {
  const s: TrafficSecond = { second, transactions: latencies.length, errors, ...extra };
  if (latencies.length) {
    const sorted = Float64Array.from(latencies).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    s.p50Ms = at(0.5);
    s.p99Ms = at(0.99);
    s.maxMs = sorted[sorted.length - 1];
  }
  return s;
}

/** Split n into k near-equal parts. */
function split(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}

const WORKER_URL = workerUrl('./worker.ts', import.meta.url);

/** Run one load test and return its results. */
export async function runTraffic(opts: TrafficOptions): Promise<TrafficRun> {
  const threads = Math.max(1, Math.min(opts.threads, opts.clients));
  const mode = opts.rate !== undefined || opts.stages?.length ? 'open' : 'closed';
  const warmup = opts.warmupSeconds;
  const duration = mode === 'open' && opts.stages?.length ? opts.stages.reduce((a, s) => a + s.durationSeconds, 0) : opts.durationSeconds;
  const initialRate = opts.rate ?? 0;
  // The warm-up runs at the rate the measurement starts with; then the stages (or the constant rate).
  const stages: Stage[] = mode === 'closed' ? [] : [{ durationSeconds: warmup, rate: initialRate }, ...(opts.stages?.length ? opts.stages : [{ durationSeconds: duration, rate: initialRate }])];
  const perThread = split(opts.clients, threads);
  const progressEvery = (opts.progressSeconds ?? 5) * 1000;
  const connections = opts.shards ?? (opts.connection ? [opts.connection] : []);
  if (connections.length === 0) throw new Error('runTraffic needs a connection or shards');

  // Merged state.
  let names: string[] = [];
  let weights: number[] = [];
  let txHist: hdr.Histogram[] = [];
  let txErrors: Array<Map<string, number>> = [];
  let txRetries: number[] = [];
  let txCount: number[] = [];
  let txFailed: number[] = [];
  const overall = newHistogram();
  const lagHist = newHistogram();
  const seconds = new Map<number, SecondBucket>();
  const closed: { overall: TrafficSecond[]; perTx: TrafficSecond[][] } = { overall: [], perTx: [] };
  const offered = new Map<number, number>();
  let reconnects = 0;
  let dropped = 0;
  let maxEnd = 0;
  // Per shard (a sharded target): transactions measured, failed, completed inside the window.
  const shardTx = new Array<number>(connections.length).fill(0);
  const shardFailed = new Array<number>(connections.length).fill(0);
  const shardInWindow = new Array<number>(connections.length).fill(0);
  let crossShard = 0;
  const busyBy = new Array<number>(threads).fill(0);
  const queuedBy = new Array<number>(threads).fill(0);
  const eluSum = new Array<number>(threads).fill(0);
  const eluN = new Array<number>(threads).fill(0);
  // Progress interval.
  let pLat: number[] = [];
  let pLag: number[] = [];
  let pErrors = 0;
  let pDropped = 0;

  const bucket = (sec: number): SecondBucket => {
    let b = seconds.get(sec);
    if (!b) {
      b = { latencies: [], lags: [], perTx: names.map(() => ({ latencies: [], errors: 0 })), errors: 0 };
      if (opts.secondHistograms) b.hist = { overall: newHistogram(), perTx: names.map(() => newHistogram()), lag: newHistogram() };
      seconds.set(sec, b);
    }
    return b;
  };
  const closeSecond = (sec: number) => {
    const b = seconds.get(sec)!;
    seconds.delete(sec);
    if (sec >= duration) return;
    const h = b.hist;
    closed.overall.push(
      summariseSecond(sec, b.latencies, b.errors, {
        ...(mode === 'open' ? { lagP99Ms: pct(b.lags, 99), offered: offered.get(sec) ?? 0 } : {}),
        ...(b.busy !== undefined ? { busy: b.busy } : {}),
        ...(h ? { histogram: encoded(h.overall), ...(mode === 'open' ? { lagHistogram: encoded(h.lag) } : {}) } : {}),
      }),
    );
    b.perTx.forEach((t, i) => closed.perTx[i].push(summariseSecond(sec, t.latencies, t.errors, h ? { histogram: encoded(h.perTx[i]) } : {})));
  };
  const closeOld = (final: boolean) => {
    for (const sec of [...seconds.keys()].sort((a, b) => a - b)) {
      if (final || sec + 1 < maxEnd - warmup - 2) closeSecond(sec);
    }
  };

  const onBatch = (m: Extract<WorkerMessage, { type: 'batch' }>) => {
    const r = m.records;
    for (let i = 0; i < r.length; i += RECORD_FIELDS) {
      const tx = r[i + Field.Tx];
      const end = r[i + Field.End];
      const lat = r[i + Field.Latency];
      const lag = r[i + Field.Lag];
      const ok = r[i + Field.Ok] === 1;
      const shard = r[i + Field.Shard];
      if (end > maxEnd) maxEnd = end;
      if (ok) pLat.push(lat);
      else pErrors++;
      if (mode === 'open') pLag.push(lag);
      const intended = end - lat / 1000;
      if (intended < warmup || intended >= warmup + duration) continue;
      const sec = Math.floor(end - warmup);
      const b = bucket(sec);
      if (r[i + Field.Cross] === 1) crossShard++;
      if (shard >= 0) {
        if (!ok) shardFailed[shard]++;
        else {
          shardTx[shard]++;
          if (sec < duration) shardInWindow[shard]++;
        }
      }
      if (ok) {
        const us = Math.max(1, Math.round(lat * 1000));
        txHist[tx].recordValue(us);
        overall.recordValue(us);
        txCount[tx]++;
        b.latencies.push(lat);
        b.perTx[tx].latencies.push(lat);
        b.hist?.overall.recordValue(us);
        b.hist?.perTx[tx].recordValue(us);
      } else {
        txFailed[tx]++;
        b.errors++;
        b.perTx[tx].errors++;
      }
      if (mode === 'open') {
        const lagUs = Math.max(1, Math.round(lag * 1000));
        lagHist.recordValue(lagUs);
        b.hist?.lag.recordValue(lagUs);
        b.lags.push(lag);
      }
    }
    for (const [key, count] of m.errors) {
      const [tx, code] = key.split('\t');
      const map = txErrors[Number(tx)];
      map.set(code, (map.get(code) ?? 0) + count);
      // Unfinished transactions never reached the records: count them here.
      if (code === 'unfinished') txFailed[Number(tx)] += count;
    }
    m.retries.forEach((n, i) => (txRetries[i] += n));
    for (const [sec, count] of m.offered) offered.set(sec, (offered.get(sec) ?? 0) + count);
    reconnects += m.reconnects;
    dropped += m.dropped;
    pDropped += m.dropped;
    busyBy[m.thread] = m.busy;
    queuedBy[m.thread] = m.queued;
    const nowS = (performance.timeOrigin + performance.now() - startEpoch) / 1000;
    if (nowS >= warmup && nowS < warmup + duration) {
      eluSum[m.thread] += m.elu;
      eluN[m.thread]++;
    }
    closeOld(false);
  };

  let startEpoch = Infinity;
  let fatal: TrafficRun['fatal'];
  let stoppedBecause: string | undefined;
  const workerLag: number[] = [];
  const workers: Worker[] = [];
  let firstClient = 0;
  for (let t = 0; t < threads; t++) {
    const part = opts.share ?? { index: 1, count: 1, firstClientId: 0 };
    const cfg: WorkerConfig = {
      thread: t,
      // Arrival streams of different parts must differ: the same seed and stream would offer
      // the same arrivals in every part at the same instants.
      stream: (part.index - 1) * 65_536 + t,
      clients: perThread[t],
      firstClientId: part.firstClientId + firstClient,
      connections,
      workload: opts.workload,
      params: opts.params,
      scriptVars: opts.scriptVars ?? {},
      mode,
      initialRate,
      stages,
      share: perThread[t] / opts.clients,
      arrivals: opts.arrivals ?? 'poisson',
      // Uniform arrivals: the parts' threads interleave like one run's.
      phase: (part.index - 1 + t / threads) / part.count,
      warmupSeconds: warmup,
      durationSeconds: duration,
      seed: opts.seed,
      maxTries: opts.maxTries ?? 3,
      maxQueue: opts.maxQueue ?? 100_000,
      drainSeconds: opts.drainSeconds ?? 10,
      reconnectTimeoutMs: opts.reconnectTimeoutMs ?? 10_000,
      connectPerTransaction: opts.connectPerTransaction ?? false,
      preparedStatements: opts.preparedStatements ?? true,
    };
    firstClient += perThread[t];
    workers.push(new Worker(WORKER_URL, { workerData: cfg }));
  }

  const stopAll = () => {
    for (const w of workers) w.postMessage({ type: 'stop' });
  };
  const onAbort = () => {
    stoppedBecause ??= 'interrupted';
    stopAll();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  let ready = 0;
  const doneThreads = new Set<number>();
  let resolveAll!: () => void;
  const finished = new Promise<void>((r) => (resolveAll = r));
  const markDone = (t: number) => {
    doneThreads.add(t);
    if (doneThreads.size === threads) resolveAll();
  };
  let cpu0 = process.cpuUsage();
  let wall0 = 0;
  workers.forEach((w, t) => {
    w.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'ready':
          if (t === 0) {
            names = m.transactions.map((x) => x.name);
            weights = m.transactions.map((x) => x.weight);
            txHist = names.map(() => newHistogram());
            txErrors = names.map(() => new Map());
            txRetries = names.map(() => 0);
            txCount = names.map(() => 0);
            txFailed = names.map(() => 0);
            closed.perTx = names.map(() => []);
          }
          if (++ready === threads) {
            // Everyone starts together, a little ahead so the message reaches each thread first.
            startEpoch = Math.max(performance.timeOrigin + performance.now() + 100, opts.startAtMs ?? 0);
            for (const x of workers) x.postMessage({ type: 'start', epochMs: startEpoch });
          }
          break;
        case 'batch':
          if (names.length) onBatch(m);
          break;
        case 'fatal':
          fatal ??= { message: m.message, code: m.code };
          stoppedBecause ??= `stopped: ${m.message}`;
          stopAll();
          // A thread that failed before it was ready never will be: nothing else can start.
          if (ready < threads) for (let i = 0; i < threads; i++) markDone(i);
          break;
        case 'done':
          workerLag.push(m.eventLoopLagP99Ms);
          markDone(t);
          break;
      }
    });
    w.on('error', (err) => {
      fatal ??= { message: err.message };
      stoppedBecause ??= `stopped: ${err.message}`;
      stopAll();
      markDone(t);
    });
    // A thread that ended without 'done' (terminated, crashed) has finished all the same.
    w.on('exit', () => markDone(t));
  });

  // Progress and health, every second once started.
  let lastProgress = 0;
  let cpuWindowSet = false;
  const tick = setInterval(() => {
    if (!Number.isFinite(startEpoch)) return;
    const elapsed = (performance.timeOrigin + performance.now() - startEpoch) / 1000;
    if (elapsed < 0) return;
    if (!cpuWindowSet && elapsed >= warmup) {
      cpu0 = process.cpuUsage();
      wall0 = performance.now();
      cpuWindowSet = true;
    }
    if (elapsed < warmup + duration) {
      const sec = Math.floor(elapsed - warmup);
      if (sec >= 0) bucket(sec).busy = busyBy.reduce((a, b) => a + b, 0);
    }
    // The first line comes one interval after the start, like every later one.
    if (lastProgress === 0) lastProgress = startEpoch - performance.timeOrigin;
    if (opts.onProgress && performance.now() - lastProgress >= progressEvery - 50) {
      const span = (performance.now() - lastProgress) / 1000;
      lastProgress = performance.now();
      const cpu = process.cpuUsage();
      opts.onProgress({
        elapsedSeconds: elapsed,
        open: mode === 'open',
        warmup: elapsed < warmup,
        tps: pLat.length / span,
        p50Ms: pct(pLat, 50),
        p99Ms: pct(pLat, 99),
        errors: pErrors,
        lagP99Ms: pct(pLag, 99),
        busy: busyBy.reduce((a, b) => a + b, 0),
        clients: opts.clients,
        queued: queuedBy.reduce((a, b) => a + b, 0),
        dropped: pDropped,
        cpuCores: cpuWindowSet ? (cpu.user + cpu.system - cpu0.user - cpu0.system) / 1000 / (performance.now() - wall0 || 1) : 0,
      });
      pLat = [];
      pLag = [];
      pErrors = 0;
      pDropped = 0;
    }
  }, 1000);

  // A worker stuck past the end (a query that never returns) is terminated, not waited on forever.
  const hardStopAfter = (ms: number) =>
    setTimeout(() => {
      stoppedBecause ??= 'stopped: worker threads did not finish in time';
      for (let i = 0; i < threads; i++) markDone(i);
    }, ms);
  const waitForStart = Math.max(0, (opts.startAtMs ?? 0) - Date.now());
  const timers = [hardStopAfter(waitForStart + (warmup + duration + 2 * (opts.drainSeconds ?? 10) + 150) * 1000)];
  const onAbortDeadline = () => timers.push(hardStopAfter(15_000));
  opts.signal?.addEventListener('abort', onAbortDeadline, { once: true });
  try {
    await finished;
  } finally {
    clearInterval(tick);
    for (const t of timers) clearTimeout(t);
    opts.signal?.removeEventListener('abort', onAbort);
    opts.signal?.removeEventListener('abort', onAbortDeadline);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const cpuEnd = process.cpuUsage();
  const cpuMeasured = cpuWindowSet ? (cpuEnd.user + cpuEnd.system - cpu0.user - cpu0.system) / 1e6 : 0;
  const wallMeasured = cpuWindowSet ? (performance.now() - wall0) / 1000 : 0;
  closeOld(true);

  const elapsedAtEnd = Number.isFinite(startEpoch) ? (performance.timeOrigin + performance.now() - startEpoch) / 1000 : 0;
  const partial = stoppedBecause !== undefined;
  // A run stopped early covers the part of the window that ran.
  const measuredSeconds = partial ? Math.max(0, Math.min(duration, elapsedAtEnd - warmup)) : duration;
  const transactions = txCount.reduce((a, b) => a + b, 0);
  const errors = txFailed.reduce((a, b) => a + b, 0);
  // Throughput is what completed inside the window: a backlog drained after it (an
  // overloaded open loop) counts in the latencies, not as throughput.
  const completedInWindow = closed.overall.reduce((a, x) => a + x.transactions, 0);
  const achievedRate = measuredSeconds > 0 ? completedInWindow / measuredSeconds : 0;
  const errorsBySqlstate: Record<string, number> = {};
  for (const map of txErrors) for (const [code, n] of map) errorsBySqlstate[code] = (errorsBySqlstate[code] ?? 0) + n;

  const elu = eluSum.map((s, i) => (eluN[i] ? s / eluN[i] : 0));
  const maxElu = Math.max(0, ...elu);
  const lagP99 = Math.max(0, ...workerLag);
  const reasons: string[] = [];
  if (maxElu >= 0.9) reasons.push(`a worker thread's event loop was busy ${(maxElu * 100).toFixed(0)} % of the measurement (≥ 90 %): the client could not go faster`);
  if (lagP99 >= 50) {
    reasons.push(`the worker threads' event-loop delay reached ${lagP99.toFixed(0)} ms at p99 (≥ 50 ms): transactions waited on the client (where client and server share the CPUs, a saturated server starves the client this way too)`);
  }
  const offeredTotal = [...offered.values()].reduce((a, b) => a + b, 0);
  const targetRate = mode === 'open' ? offeredTotal > 0 && measuredSeconds > 0 && opts.stages?.length ? offeredTotal / duration : initialRate : null;

  const traffic: Traffic = {
    mode,
    workload: {
      kind: opts.workload.kind,
      name: opts.workload.name,
      sources: opts.workload.kind === 'script' ? opts.workload.scripts.map((s) => `${s.file}@${s.weight}`) : [opts.workload.kind === 'mix' ? opts.workload.name : opts.workload.path],
    },
    targetRate,
    achievedRate,
    ...(mode === 'open' ? { arrivals: opts.arrivals ?? 'poisson' } : {}),
    ...(opts.stages?.length ? { stages: opts.stages } : {}),
    clients: opts.clients,
    threads,
    durationSeconds: measuredSeconds,
    warmupSeconds: warmup,
    transactions,
    dropped,
    errors,
    retries: txRetries.reduce((a, b) => a + b, 0),
    reconnects,
    errorsBySqlstate,
    latencyMs: latencyOf(overall),
    scheduleLagMs: lagHist.totalCount ? { p50: lagHist.getValueAtPercentile(50) / 1000, p99: lagHist.getValueAtPercentile(99) / 1000, max: lagHist.maxValue / 1000 } : { p50: 0, p99: 0, max: 0 },
    histogram: hdr.encodeIntoCompressedBase64(overall),
    ...(opts.secondHistograms && mode === 'open' ? { scheduleLagHistogram: encoded(lagHist) } : {}),
    perTransaction: names.map((name, i) => ({
      name,
      weight: weights[i],
      transactions: txCount[i],
      errors: txFailed[i],
      retries: txRetries[i],
      errorsBySqlstate: Object.fromEntries(txErrors[i]),
      latencyMs: latencyOf(txHist[i]),
      histogram: hdr.encodeIntoCompressedBase64(txHist[i]),
      series: closed.perTx[i].sort((a, b) => a.second - b.second),
    })),
    series: closed.overall.sort((a, b) => a.second - b.second),
    client: {
      threads,
      cpuSeconds: cpuMeasured,
      cpuCores: wallMeasured > 0 ? cpuMeasured / wallMeasured : 0,
      eventLoopLagP99Ms: lagP99,
      eventLoopUtilization: maxElu,
    },
    clientBound: reasons.length > 0,
    ...(reasons.length ? { clientBoundReasons: reasons } : {}),
    ...(partial ? { partial: true, stoppedBecause } : {}),
    ...(opts.shards
      ? {
          shards: {
            count: opts.shards.length,
            placement: PLACEMENT,
            crossShardTransactions: crossShard,
            perShard: shardTx.map((n, s) => ({ shard: s + 1, transactions: n, errors: shardFailed[s], rate: measuredSeconds > 0 ? shardInWindow[s] / measuredSeconds : 0 })),
          },
        }
      : {}),
  };
  if (opts.slo) {
    traffic.slo = judgeSlo(opts.slo, { latencyAt: (q) => (overall.totalCount ? overall.getValueAtPercentile(q) / 1000 : 0), transactions, errors, achievedRate });
  }
  return { traffic, fatal, windowStartMs: Number.isFinite(startEpoch) ? Math.round(startEpoch + warmup * 1000) : 0 };
}
