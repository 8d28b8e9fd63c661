/**
 * The bench runner: measures the client floor, runs each scenario with a context that
 * loads (or reuses) the data sets it asks for, records a failing scenario as errored
 * (with its SQLSTATE and variant) and goes on, and returns one results document with
 * the environment fingerprint and the load generator's own health.
 */
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type pg from 'pg';
import { type PrewarmMethod, describeCacheState, warmCache } from '../bench/cache.ts';
import { environmentFingerprint, toolFingerprint } from '../bench/environment.ts';
import { type LatencyOptions, measureClientFloor, resolveLatencyOptions } from '../bench/latency.ts';
import { PgscaleError } from '../core/errors.ts';
import { toPgscaleError } from '../db/errors.ts';
import { checkComparable } from '../reports/fingerprint.ts';
import { type LoadEvent, load } from '../db/load.ts';
import { lockDataset, unlockDataset } from '../db/dataset-lock.ts';
import { createSchema, dropLeftoverScratch, dropOwnedSchema, inspectSchema, sameData, setState, trafficWrites } from '../db/schema.ts';
import type { Target } from '../db/target.ts';
import type { EnumStyle } from '../generators/enums.ts';
import { type DataParams, GENERATOR_VERSION } from '../generators/index.ts';
import { SCHEMA_VERSION, type Results, type ScenarioResult } from '../reports/schema.ts';
import { type Dataset, type Scenario, type ScenarioContext, recordedMetrics } from './index.ts';
import { VariantError, toQueryResult } from './measure.ts';
import { cpuShare, machineCpuTimes } from '../bench/machine-cpu.ts';

export interface RunOptions {
  data: DataParams;
  scenarios: readonly Scenario[];
  /** Parallel COPY connections for loads. @default 2 */
  jobs?: number;
  /** First part of every schema the run creates. @default 'pgscale' */
  schemaPrefix?: string;
  latency?: LatencyOptions;
  /** Load-test steps (capacity): measurement window and warm-up, seconds. @default 5, 2 */
  traffic?: { stepSeconds?: number; warmupSeconds?: number; poolerUrl?: string };
  log?: (line: string) => void;
  onLoadEvent?: (e: LoadEvent) => void;
  /**
   * Stops the run: the scenario in progress is recorded as `interrupted`, the rest are not
   * run, scratch schemas are dropped and the document comes back marked partial.
   */
  signal?: AbortSignal;
  /** After each scenario: the document so far (partial), to be written as it grows. */
  onScenario?: (soFar: Results) => void | Promise<void>;
  /**
   * An earlier, interrupted run of the same build, data and server (`run --resume`): its
   * finished scenarios are kept as they are and not run again. A different build, data
   * set or server is refused, naming the difference.
   */
  resume?: Results;
  /** Scenario name → the arms to measure (`run --variants`); a scenario not named measures all. */
  variants?: Readonly<Record<string, readonly string[]>>;
  /** Progress of the run as a whole: each scenario's start and end, and each data set loaded or reused. */
  onStep?: (e: RunStep) => void;
  /**
   * Messages that per-row figures are projected to (`run --project`). @default the run's
   * scale for a scenario measured on a sample (`sample`), DEFAULT_PROJECT_ROWS otherwise
   */
  projectRows?: number;
  /**
   * `run --sample`: `perRow` scenarios measure a data set of this many messages, projected
   * to the run's scale; the others the full data set. Ignored unless below `data.scale`.
   */
  sample?: number;
}

/** The design guide's production size: a billion messages. */
export const DEFAULT_PROJECT_ROWS = 1e9;

export type RunStep =
  | { type: 'scenario-start'; name: string }
  | { type: 'scenario-end'; name: string; status: ScenarioResult['status']; seconds: number }
  | { type: 'dataset'; dataset: Dataset };

/** Why a run cannot be resumed from `earlier`, if it cannot (empty: it can). */
export function resumeProblems(earlier: Results, now: Pick<Results, 'environment' | 'params' | 'tool'>): string[] {
  const problems: string[] = [];
  if (earlier.tool.gitSha !== now.tool.gitSha) problems.push(`it was measured by another build (${earlier.tool.gitSha.slice(0, 12)}, this is ${now.tool.gitSha.slice(0, 12)})`);
  const e = earlier.environment;
  const n = now.environment;
  if (e.server !== n.server) problems.push(`it was measured on another server (${e.server ?? '?'}, this is ${n.server ?? '?'})`);
  const { problems: other } = checkComparable({ ...earlier, partial: false }, { ...earlier, partial: false, params: now.params, environment: { ...n, cacheState: e.cacheState } });
  return [...problems, ...other];
}

/** `300000` → `300k`, `1000000` → `1m`, `12345` → `12345`: short and exact. */
export function scaleTag(scale: number): string {
  for (const [div, unit] of [[1e9, 'b'], [1e6, 'm'], [1e3, 'k']] as const) {
    if (scale % div === 0) return `${scale / div}${unit}`;
  }
  return String(scale);
}

/** The schema a data set lives in, named by its parameters: `pgscale_300k_1_smallint`. */
export function datasetSchema(prefix: string, data: DataParams, style: EnumStyle | string): string {
  return `${prefix}_${scaleTag(data.scale)}_${data.seed}${data.months === 12 ? '' : `_m${data.months}`}_${style}`;
}

/**
 * The data a scenario measures: a `perRow` one measures `sample` messages when the run
 * has a --sample below its scale (`sampled`); every other, the run's data.
 */
export function scenarioData(s: Pick<Scenario, 'perRow'>, data: DataParams, sample?: number): { data: DataParams; sampled: boolean } {
  return s.perRow && sample !== undefined && sample < data.scale ? { data: { ...data, scale: sample }, sampled: true } : { data, sampled: false };
}

/** Load tests' data sets are named `<prefix>_traffic_…`: they write to them. */
export const TRAFFIC_SUFFIX = 'traffic';

/** What ensureDataset needs of a run's options. */
export type DatasetOptions = Required<Pick<RunOptions, 'jobs' | 'schemaPrefix'>> & Pick<RunOptions, 'data' | 'log' | 'onLoadEvent'>;

/**
 * Load a data set when missing, reuse it when complete with the same parameters, reload
 * an owned one made otherwise. `modified: 'reload'` also reloads one that a traffic run
 * wrote to (scenarios measure pristine data); 'keep' reuses it (traffic itself).
 */
export async function ensureDataset(target: Target, opts: DatasetOptions, style: EnumStyle, modified: 'reload' | 'keep' = 'reload'): Promise<Dataset> {
  const schema = datasetSchema(opts.schemaPrefix, opts.data, style);
  const client = await target.connect();
  let fresh = false;
  try {
    const info = await inspectSchema(client, schema);
    // Named by its parameters, so a mismatch means a stale generator version: reload it.
    if (info.owned && info.params && !sameData(info.params, { ...opts.data, enums: style, generatorVersion: GENERATOR_VERSION })) fresh = true;
    else if (info.owned && modified === 'reload' && (await trafficWrites(client, schema)) > 0) {
      fresh = true;
      opts.log?.(`data set ${schema}: pgscale traffic wrote to it — reloading it so the scenarios measure the data set as generated`);
    }
  } finally {
    await client.end();
  }
  opts.log?.(`data set ${schema}: ${fresh ? 'made with other parameters or modified — reloading' : 'loading or reusing'}`);
  const summary = await load(target, { schema, data: opts.data, enums: style, jobs: opts.jobs, fresh, onEvent: opts.onLoadEvent });
  opts.log?.(
    summary.reused
      ? `data set ${schema}: reused (${summary.totalRows.toLocaleString('en-US')} rows)`
      : `data set ${schema}: loaded ${summary.totalRows.toLocaleString('en-US')} rows in ${summary.seconds.total.toFixed(1)} s`,
  );
  return { schema, style, summary };
}

/** A failure as the results record it. */
function errorOf(err: unknown): NonNullable<ScenarioResult['error']> {
  if (err instanceof VariantError) return { message: err.message, sqlstate: err.sqlstate, variant: err.variant, table: err.table };
  const e = toPgscaleError(err);
  return { message: e.message, sqlstate: e.sqlstate, table: (err as { table?: string }).table };
}

/** Run the scenarios and return the results document (validate it before writing). */
export async function runScenarios(target: Target, options: RunOptions): Promise<Results> {
  const opts = { ...options, jobs: options.jobs ?? 2, schemaPrefix: options.schemaPrefix ?? 'pgscale' };
  const log = opts.log ?? (() => {});
  const latency = resolveLatencyOptions(opts.latency);
  const startedAt = new Date().toISOString();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const cpu0 = process.cpuUsage();
  const methods = new Set<PrewarmMethod>();
  // Data sets by scale and style: each loaded once per run, whichever scenario asks first.
  const datasets = new Map<string, Promise<Dataset>>();
  // Scratch schemas this run made and has not dropped: dropped on every way out.
  const scratch = new Set<string>();
  // Scratch schemas being made right now: an interrupt abandons the scenario mid-await, so
  // the clean-up waits for these before dropping, or a schema created after the drop stays.
  const making = new Set<Promise<unknown>>();
  let closing = false;
  let sweptLeftovers = false;
  const admin = await target.connect();
  // A server that goes away mid-run surfaces on the next query; never as an unhandled event.
  admin.on('error', (err) => log(`connection error: ${err.message}`));
  try {
    // Fingerprint first: the settings in effect while measuring.
    const environment = await environmentFingerprint(admin, target);
    const params = { scale: opts.data.scale, seed: opts.data.seed, months: opts.data.months, generatorVersion: GENERATOR_VERSION };
    if (opts.resume) {
      const problems = resumeProblems(opts.resume, { environment, params, tool: toolFingerprint() });
      if (problems.length > 0) {
        throw new PgscaleError('USAGE', `cannot resume: ${problems.join('; ')}`, { hint: 'Resume with the same build, data parameters and server, or start a new run with another --out.' });
      }
    }
    const makeScratch = async (data: DataParams, suffix: string): Promise<string> => {
      if (!sweptLeftovers) {
        sweptLeftovers = true;
        for (const s of await dropLeftoverScratch(admin)) log(`dropped scratch schema ${s}, left by an interrupted run`);
      }
      const schema = datasetSchema(opts.schemaPrefix, data, suffix);
      // Held while it exists: another run of the same data waits, and no sweep takes it for a leftover.
      await lockDataset(admin, schema, { wait: true, onWait: (m) => log(m), signal: opts.signal });
      scratch.add(schema);
      await dropOwnedSchema(admin, schema);
      await createSchema(admin, schema, { ...data, enums: 'smallint', generatorVersion: GENERATOR_VERSION });
      await setState(admin, schema, 'scratch');
      return schema;
    };
    // One context per data scale: the run's, and the sample's for `perRow` scenarios (run --sample).
    const contextFor = (data: DataParams, sampled: boolean): ScenarioContext => ({
      target,
      data: Object.freeze({ ...data }),
      jobs: opts.jobs,
      latency,
      // A sample stands for the run's scale unless --project names another.
      projectRows: opts.projectRows ?? (sampled ? opts.data.scale : DEFAULT_PROJECT_ROWS),
      ...(sampled ? { sampledFrom: opts.data.scale } : {}),
      dataset(style) {
        const key = `${data.scale}/${style}`;
        let d = datasets.get(key);
        if (!d) {
          d = ensureDataset(target, { ...opts, data }, style).then((ds) => {
            opts.onStep?.({ type: 'dataset', dataset: ds });
            return ds;
          });
          // A failed load is retried by the next scenario that asks, not cached.
          d.catch(() => datasets.delete(key));
          datasets.set(key, d);
        }
        return d;
      },
      async trafficDataset(style) {
        const ds = await ensureDataset(target, { ...opts, data, schemaPrefix: `${opts.schemaPrefix}_${TRAFFIC_SUFFIX}` }, style, 'reload');
        opts.onStep?.({ type: 'dataset', dataset: ds });
        return ds;
      },
      traffic: { stepSeconds: opts.traffic?.stepSeconds ?? 5, warmupSeconds: opts.traffic?.warmupSeconds ?? 2, poolerUrl: opts.traffic?.poolerUrl },
      scratchSchema(suffix) {
        // An abandoned scenario runs on after an interrupt: it gets no new scratch schema.
        if (closing || opts.signal?.aborted) return Promise.reject(new Interrupted());
        const made = makeScratch(data, suffix);
        making.add(made);
        void made.catch(() => undefined).finally(() => making.delete(made));
        return made;
      },
      async dropScratch(schema) {
        await dropOwnedSchema(admin, schema);
        scratch.delete(schema);
        await unlockDataset(admin, schema);
      },
      async warm(client: pg.Client, schema: string, tables: string[], prewarm?: string[]) {
        const report = await warmCache(client, schema, tables, { prewarm });
        methods.add(report.method);
        if (report.fallbackReason) log(`cache: ${report.fallbackReason}; warming with a sequential read instead`);
        if (report.extensionInstalled) log(`cache: installed pg_prewarm into ${schema} (it goes when that schema is dropped)`);
        return report;
      },
      log,
    });

    log(`client floor: timing SELECT 1`);
    const floor = await measureClientFloor(admin, latency);
    const scenarios: ScenarioResult[] = [];
    const done = new Map((opts.resume?.scenarios ?? []).filter((r) => r.status === 'ok').map((r) => [r.name, r]));
    const document = (partial: boolean): Results => {
      const cpu = process.cpuUsage(cpu0);
      environment.cacheState = describeCacheState(methods);
      return {
        schemaVersion: SCHEMA_VERSION,
        tool: toolFingerprint(),
        environment,
        params,
        startedAt: opts.resume?.startedAt ?? startedAt,
        finishedAt: new Date().toISOString(),
        clientFloor: toQueryResult('SELECT 1', floor),
        loadGenerator: {
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
          eventLoopLagP99Ms: lag.percentile(99) / 1e6,
          eventLoopLagMaxMs: lag.max / 1e6,
          peakRssBytes: process.resourceUsage().maxRSS * 1024,
        },
        scenarios: [...scenarios],
        ...(partial ? { partial: true } : {}),
      };
    };
    let interrupted = false;
    for (const s of opts.scenarios) {
      const kept = done.get(s.name);
      if (kept) {
        log(`scenario ${s.name}: already measured (--resume), kept`);
        scenarios.push(kept);
        continue;
      }
      if (opts.signal?.aborted) break;
      const t0 = performance.now();
      const cpu0 = machineCpuTimes();
      log(`scenario ${s.name}: ${s.description}`);
      const machine = () => {
        const share = cpuShare(cpu0, machineCpuTimes(), availableParallelism());
        const r = (x: number) => Math.round(x * 1000) / 1000;
        return { machine: { cores: share.cores, busy: r(share.busy), iowait: r(share.iowait), steal: r(share.steal) } };
      };
      const chosen = opts.variants?.[s.name];
      const { data, sampled } = scenarioData(s, opts.data, opts.sample);
      const ctx = contextFor(data, sampled);
      if (sampled) log(`scenario ${s.name}: measured on a sample of ${scaleTag(data.scale)} messages (--sample), projected to ${scaleTag(ctx.projectRows)}`);
      const base = {
        name: s.name,
        description: s.description,
        hypothesis: s.hypothesis,
        claim: s.claim,
        ...(chosen ? { chosenVariants: [...chosen] } : {}),
        ...(sampled ? { sampleRows: data.scale } : {}),
      };
      opts.onStep?.({ type: 'scenario-start', name: s.name });
      try {
        const out = await untilAborted(s.run(chosen ? { ...ctx, variants: chosen } : ctx), opts.signal);
        // A metric the scenario does not declare fails it here, by name: never a guess in the gate.
        scenarios.push({ ...base, status: 'ok', finding: out.finding, notes: out.notes, ...recordedMetrics(s, out), capacity: out.capacity, ...(out.skipped ? { skipped: true } : {}), durationSeconds: (performance.now() - t0) / 1000, ...machine() });
        log(`scenario ${s.name}: ${out.finding}`);
      } catch (err) {
        if (err instanceof Interrupted) {
          interrupted = true;
          scenarios.push({ ...base, status: 'interrupted', finding: 'interrupted before it finished: nothing of it is kept', variants: [], durationSeconds: (performance.now() - t0) / 1000 });
          log(`scenario ${s.name}: interrupted`);
          break;
        }
        const error = errorOf(err);
        scenarios.push({ ...base, status: 'errored', finding: `errored: ${error.message}`, error, variants: [], durationSeconds: (performance.now() - t0) / 1000 });
        log(`scenario ${s.name}: errored — ${error.message}${error.sqlstate ? ` [SQLSTATE ${error.sqlstate}]` : ''}`);
      }
      opts.onStep?.({ type: 'scenario-end', name: s.name, status: scenarios[scenarios.length - 1].status, seconds: (performance.now() - t0) / 1000 });
      const last = opts.scenarios[opts.scenarios.length - 1] === s;
      if (!last) await opts.onScenario?.(document(true));
    }
    lag.disable();
    return document(interrupted || !!opts.signal?.aborted);
  } finally {
    lag.disable();
    closing = true;
    await Promise.allSettled([...making]);
    // Scratch schemas left by a scenario cut short: dropped now (a scenario still running
    // holds locks on them, so the drop waits at most a few seconds; what stays is swept
    // by the next run or `pgscale drop --scratch`).
    for (const schema of scratch) {
      try {
        await admin.query("SET lock_timeout = '3s'");
        try {
          await dropOwnedSchema(admin, schema);
        } catch (err) {
          if ((err as { code?: string }).code !== '55P03') throw err;
          // The interrupted scenario's sessions still hold it (this run holds its lock, so
          // nobody else does): end them, then drop.
          await admin.query(
            `SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND l.pid <> pg_backend_pid() GROUP BY l.pid`,
            [schema],
          );
          await dropOwnedSchema(admin, schema);
        }
        log(`dropped scratch schema ${schema}`);
      } catch (err) {
        log(`could not drop scratch schema ${schema} (${(err as Error).message}): the next run, or pgscale drop --scratch, will`);
      }
    }
    await admin.end().catch(() => undefined);
  }
}

/** Thrown by untilAborted when the run's signal fires first. */
class Interrupted extends Error {}

/** The promise's value, or Interrupted as soon as the signal fires (the work itself is abandoned). */
function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
