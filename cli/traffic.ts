/**
 * `pgscale traffic`: a load test. Closed loop (N clients back to back) or open loop
 * (an arrival rate, constant or in stages, independent of the server), running the
 * platform's transaction mix, pgbench scripts or a TypeScript workload module; latency
 * from each transaction's intended start, so stalls are not hidden (no coordinated
 * omission). Every input is checked before anything connects: bad usage exits 2 with
 * nothing written to the database.
 */
import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import { environmentFingerprint, toolFingerprint } from '../bench/environment.ts';
import { datasetParams, finishDatasetRun, prepareWorkload, trafficConnection } from '../bench/traffic/dataset-run.ts';
import { runTraffic, type ProgressReport } from '../bench/traffic/engine.ts';
import { checkVariables, parseScript, parseScriptArg } from '../bench/traffic/pgbench-script.ts';
import { parseDuration, parseRate, parseStages, type Stage } from '../bench/traffic/schedule.ts';
import { DEFAULT_SLO, parseSlo, type Slo } from '../bench/traffic/slo.ts';
import { defaultPoolSize } from '../bench/traffic/capacity.ts';
import { findCapacity } from '../bench/traffic/find-capacity.ts';
import { CAPACITY_METRIC_KINDS, capacityFinding, capacityResult } from '../scenarios/capacity/index.ts';
import { type Db, type WorkloadParams, type WorkloadSpec, importWorkload } from '../bench/traffic/workload.ts';
import { PgscaleError } from '../core/errors.ts';
import { toPgscaleError } from '../db/errors.ts';
import { checkSchemaName, inspectSchema, trafficWrites } from '../db/schema.ts';
import type { Target } from '../db/target.ts';
import type { EnumStyle } from '../generators/enums.ts';
import { GENERATOR_VERSION } from '../generators/index.ts';
import { SCHEMA_VERSION, type Results, type Traffic } from '../reports/schema.ts';
import { TRAFFIC_SUFFIX, ensureDataset } from '../scenarios/runner.ts';
import { parseInteger } from '../core/flags.ts';
import { type ConnectionFlags, common, connectionOptions } from './options.ts';
import { info, printJson } from './output.ts';
import { type Part, partOption } from './part.ts';
import { loadProgress } from './progress.ts';
import { DEFAULT_RUN_SCALE, writeResults } from './run.ts';
import { withTarget } from './session.ts';
import { type ShardFlags, isSharded, shardOptions, withShards } from './shard.ts';
import { resultsLayout, shardedDataset } from './traffic-shards.ts';
import { capacitySummary, trafficJson, trafficSummary } from './traffic-summary.ts';
import { MIXES } from '../workloads/index.ts';

/** Load tests run on data sets of their own (`pgscale_traffic_300k_1_smallint`): they write to them. */
const TRAFFIC_PREFIX = `pgscale_${TRAFFIC_SUFFIX}`;


export interface TrafficFlags extends ConnectionFlags, ShardFlags {
  mix?: string;
  script: string[];
  workload?: string;
  clients?: number;
  rate?: string;
  arrivals: 'poisson' | 'uniform';
  stages?: string;
  duration?: string;
  warmup: string;
  threads: number;
  define: string[];
  slo?: string;
  progress: string;
  out?: string;
  scale: number;
  seed: number;
  months: number;
  enums: EnumStyle;
  jobs: number;
  schema?: string;
  maxTries: number;
  findCapacity?: boolean;
  step: string;
  fresh?: boolean;
  part?: Part;
  startAt?: string;
}

/** Everything a run needs, resolved and checked before any connection. */
interface Plan {
  workload: WorkloadSpec;
  usesDataset: boolean;
  mode: 'closed' | 'open';
  clients: number;
  threads: number;
  rate?: number;
  stages?: Stage[];
  durationSeconds: number;
  warmupSeconds: number;
  progressSeconds: number;
  vars: Record<string, string>;
  slo?: Slo;
  /** --find-capacity: the search's step window, seconds. */
  capacityStepSeconds?: number;
  prepare?: (db: Db, params: WorkloadParams) => Promise<void>;
  /** Tables the workload updates (vacuumed between capacity steps). */
  updates?: string[];
  /** `--part I/N`: this process's share (clients, rate and stages above are the share), and the whole run's. */
  part?: Part & { firstClientId: number; of: { clients: number; rate: number | null; stages?: Stage[] } };
  /** `--start-at`: ms since the epoch. */
  startAtMs?: number;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(program: Command): void {
  const cmd = program
    .command('traffic')
    .description('load test: many connections, closed loop or open-loop arrival rates, the platform mix, pgbench scripts or a workload module')
    .option('--mix <name>', `built-in transaction mix (${Object.keys(MIXES).join(', ')}; the default when no --script or --workload)`)
    .option('--script <file[@weight]>', 'a pgbench custom script, repeatable (\\set, \\sleep, SQL with :variables)', collect, [])
    .option('--workload <file>', 'a .ts/.js module exporting weighted transactions (see workloads/platform.ts)')
    .addOption(new Option('--clients <n>', 'connections (default: 8 closed loop; open loop: 4 per CPU, at least 8, the bound on transactions in flight)').argParser(parseInteger('--clients', 1, 10_000)))
    .option('--rate <tps>', 'open loop: transactions per second offered, whatever the server does')
    .addOption(new Option('--arrivals <kind>', 'open-loop arrival process').choices(['poisson', 'uniform']).default('poisson'))
    .option('--stages <list>', 'open loop ramps, DURATION:RATE,… e.g. 30s:100,60s:500,30s:0 (from --rate or 0)')
    .option('--duration <time>', 'measurement window, e.g. 60s, 5m (default 60s; with --stages their sum)')
    .option('--warmup <time>', 'run first and leave out of the figures', '5s')
    .addOption(new Option('--threads <n>', 'worker threads (default: CPU count, at most --clients)').default(availableParallelism()).argParser(parseInteger('--threads', 1, 256)))
    .option('-D, --define <name=value>', 'a script variable, repeatable (pgbench -D)', collect, [])
    .option('--slo <spec>', `service-level objective, e.g. '${DEFAULT_SLO}': exit 1 when missed`)
    .option('--find-capacity', `search for the highest open-loop rate that meets --slo (default '${DEFAULT_SLO}')`)
    .option('--step <time>', 'with --find-capacity: measurement window of each step (after --warmup)', '10s')
    .option('--progress <time>', 'a progress line on stderr this often', '5s')
    .option('--out <dir>', 'folder for results.json, report.md and report.html (default: out/traffic-<timestamp>)')
    .addOption(common.scale(DEFAULT_RUN_SCALE))
    .addOption(common.seed())
    .addOption(common.months())
    .addOption(common.enums())
    .addOption(common.jobs())
    .option('--schema <name>', 'run on this loaded data set instead of pgscale_traffic_<scale>_<seed>_<enums> (loaded when missing)')
    .option('--fresh', 'reload the traffic data set first if earlier load tests wrote to it (runs are comparable only on the same data)')
    .addOption(new Option('--max-tries <n>', 'tries per transaction on serialization failure or deadlock (pgbench --max-tries)').default(3).argParser(parseInteger('--max-tries', 1, 1000)))
    .addOption(partOption('run this share of the load test: 1/N of --clients and of the --rate or --stages; merge the parts with pgscale merge'))
    .option('--start-at <time>', 'start the measurement at this moment (ISO 8601, e.g. 2025-06-01T12:00:00Z), so the parts of a split run line up');
  connectionOptions(shardOptions(cmd)).action(async (flags: TrafficFlags) => {
    const plan = await resolvePlan(flags);
    const out = resolve(flags.out ?? join('out', `traffic-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`));
    const interrupt = new AbortController();
    const run = (targets: Target[]) => runOnTargets(targets, flags, plan, interrupt.signal);
    const outcome = isSharded(flags) ? await withShards(flags, run, interrupt) : await withTarget(flags, (target) => run([target]), interrupt);
    const files = await writeResults(out, outcome.results);
    const t = outcome.results.traffic;
    if (!t) {
      // --find-capacity: the search's steps and the capacity.
      const found = outcome.results.scenarios[0];
      if (flags.json) printJson({ capacity: found.capacity, finding: found.finding, out, files });
      else if (!flags.quiet) process.stdout.write(`${capacitySummary(found.capacity!)}\n${found.finding}\nresults: ${files.join(', ')}\n`);
      if (interrupt.signal.aborted) process.exitCode = 130;
      return;
    }
    if (flags.json) printJson({ ...trafficJson(t), out, files });
    else if (!flags.quiet) process.stdout.write(`${trafficSummary(t)}\nresults: ${files.join(', ')}\n`);
    if (outcome.fatal) {
      throw new PgscaleError('SERVER', `traffic stopped: ${outcome.fatal.message}`, {
        hint: `What was measured until then is in ${join(out, 'results.json')} (marked partial). Check that the server is running, then run the same command again.`,
      });
    }
    if (interrupt.signal.aborted) process.exitCode = 130;
    else if (t.slo && !t.slo.met) process.exitCode = 1;
  });
}

/** Check every input and read every file: usage errors (exit 2) before anything connects. */
async function resolvePlan(flags: TrafficFlags): Promise<Plan> {
  const chosen = [flags.mix !== undefined && '--mix', flags.script.length > 0 && '--script', flags.workload !== undefined && '--workload'].filter(Boolean);
  if (chosen.length > 1) {
    throw new PgscaleError('USAGE', `choose one workload: ${chosen.join(' and ')} were both given`, {
      hint: 'Use --mix NAME, one or more --script FILE[@WEIGHT], or --workload FILE.ts.',
    });
  }
  const vars: Record<string, string> = {};
  for (const d of flags.define) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(d);
    if (!m) throw new PgscaleError('USAGE', `invalid -D '${d}': expected NAME=VALUE`);
    vars[m[1]] = m[2];
  }
  const rate = flags.rate !== undefined ? parseRate(flags.rate) : undefined;
  const stages = flags.stages !== undefined ? parseStages(flags.stages) : undefined;
  if (stages && flags.duration !== undefined) {
    throw new PgscaleError('USAGE', '--stages and --duration were both given', { hint: 'With --stages the measurement lasts as long as the stages add up to; leave --duration out.' });
  }
  const mode = rate !== undefined || stages ? 'open' : 'closed';
  const durationSeconds = stages ? stages.reduce((a, s) => a + s.durationSeconds, 0) : parseDuration('--duration', flags.duration ?? '60s');
  if (durationSeconds < 1) throw new PgscaleError('USAGE', `--duration must be at least 1 s (got ${flags.duration})`);
  const warmupSeconds = parseDuration('--warmup', flags.warmup);
  const progressSeconds = parseDuration('--progress', flags.progress);
  if (progressSeconds < 1) throw new PgscaleError('USAGE', `--progress must be at least 1 s (got ${flags.progress})`);
  const slo = flags.slo !== undefined ? parseSlo(flags.slo) : flags.findCapacity ? parseSlo(DEFAULT_SLO) : undefined;
  const capacityStepSeconds = flags.findCapacity ? parseDuration('--step', flags.step) : undefined;
  if (capacityStepSeconds !== undefined && capacityStepSeconds < 1) throw new PgscaleError('USAGE', `--step must be at least 1 s (got ${flags.step})`);
  if (flags.findCapacity && (rate !== undefined || stages)) {
    throw new PgscaleError('USAGE', '--find-capacity searches for the rate itself: leave --rate and --stages out');
  }
  const wholeClients = flags.clients ?? (mode === 'open' || flags.findCapacity ? defaultPoolSize() : 8);
  const part = flags.part ? splitRun(flags, flags.part, { clients: wholeClients, rate, stages }) : undefined;
  const clients = part ? part.clients : wholeClients;
  const startAtMs = flags.startAt !== undefined ? parseStartAt(flags.startAt) : undefined;
  const base = {
    mode,
    clients,
    threads: Math.min(flags.threads, clients),
    rate: part ? part.rate : rate,
    stages: part ? part.stages : stages,
    durationSeconds,
    warmupSeconds,
    progressSeconds,
    vars,
    slo,
    capacityStepSeconds,
    ...(part ? { part: part.part } : {}),
    ...(startAtMs !== undefined ? { startAtMs } : {}),
  } as const;
  if (flags.schema) checkSchemaName(flags.schema);
  if (isSharded(flags)) checkShardedPlan(flags);

  if (flags.script.length > 0) {
    const scripts = flags.script.map((arg) => {
      const { file, weight } = parseScriptArg(arg);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new PgscaleError('UNUSABLE_INPUT', `cannot read script ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      }
      const script = parseScript(text, file, weight);
      checkVariables(script, ['scale', 'client_id', 'random_seed', ...Object.keys(vars)]);
      return { file, weight, text };
    });
    if (scripts.every((s) => s.weight === 0)) throw new PgscaleError('USAGE', 'every --script has weight 0', { hint: 'Give at least one script a weight above 0 (FILE@WEIGHT).' });
    return { ...base, workload: { kind: 'script', name: scripts.length === 1 ? scripts[0].file : `${scripts.length} scripts`, scripts }, usesDataset: false };
  }
  if (flags.workload !== undefined) {
    const mod = await importWorkload(flags.workload);
    return { ...base, workload: { kind: 'module', name: flags.workload, path: resolve(flags.workload) }, usesDataset: true, prepare: mod.prepare, updates: mod.updates };
  }
  const mix = flags.mix ?? 'platform';
  const path = MIXES[mix];
  if (!path) {
    throw new PgscaleError('USAGE', `unknown --mix '${mix}'`, { hint: `Known mixes: ${Object.keys(MIXES).join(', ')}. For your own transactions use --workload FILE.ts or --script FILE.` });
  }
  if (flags.enums !== 'smallint' && flags.enums !== 'varchar') throw new PgscaleError('USAGE', `--enums ${flags.enums}: the platform mix runs on smallint or varchar data sets`);
  const mod = await importWorkload(path);
  return { ...base, workload: { kind: 'mix', name: mix, path }, usesDataset: true, prepare: mod.prepare, updates: mod.updates };
}

/**
 * `--part I/N`: this process's share of the whole run. In both loops the flags describe the
 * whole run and each part takes its share of the connections (near-equal, the first parts
 * one more when they do not divide); in an open loop it also offers 1/N of the rate (and
 * of every stage's), so the parts together offer exactly the rate asked for.
 */
function splitRun(flags: TrafficFlags, p: Part, whole: { clients: number; rate?: number; stages?: Stage[] }) {
  if (flags.findCapacity) {
    throw new PgscaleError('USAGE', '--find-capacity cannot be split with --part: the search chooses each rate from what it has just measured', {
      hint: 'Run the capacity search from one machine, or run fixed rates (--rate) as parts and merge them.',
    });
  }
  if (flags.fresh) {
    throw new PgscaleError('USAGE', '--fresh cannot be given with --part: one part would reload the data set under the others', {
      hint: 'Reload it once before starting the parts (pgscale traffic --fresh --duration 1s, or pgscale load --fresh --schema NAME).',
    });
  }
  if (whole.clients < p.count) {
    throw new PgscaleError('USAGE', `--part ${p.index}/${p.count} needs at least ${p.count} --clients in all (got ${whole.clients}): every part needs a connection`, {
      hint: 'Give --clients for the whole run (every part the same), at least the number of parts.',
    });
  }
  const shares = Array.from({ length: p.count }, (_, i) => Math.floor(whole.clients / p.count) + (i < whole.clients % p.count ? 1 : 0));
  const firstClientId = shares.slice(0, p.index - 1).reduce((a, b) => a + b, 0);
  return {
    clients: shares[p.index - 1],
    rate: whole.rate !== undefined ? whole.rate / p.count : undefined,
    stages: whole.stages?.map((s) => ({ ...s, rate: s.rate / p.count })),
    part: { ...p, firstClientId, of: { clients: whole.clients, rate: whole.rate ?? null, ...(whole.stages ? { stages: whole.stages } : {}) } },
  };
}

/** What a sharded target cannot run (yet): usage errors before anything starts. */
function checkShardedPlan(flags: TrafficFlags): void {
  if (flags.script.length > 0) {
    throw new PgscaleError('USAGE', '--script cannot run on a sharded target: a pgbench script names no tenant, so its statements have no shard to go to', {
      hint: 'Use --mix platform, or a --workload module whose transactions call ctx.tenant(id) before their first statement (docs/sharding.md).',
    });
  }
  if (flags.findCapacity) {
    throw new PgscaleError('USAGE', '--find-capacity does not run on a sharded target yet', { hint: 'Run fixed rates (--rate) against the shards, or search for the capacity of one server.' });
  }
}

/** `--start-at`: an ISO 8601 moment, in ms since the epoch. */
function parseStartAt(value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw new PgscaleError('USAGE', `invalid --start-at '${value}': expected an ISO 8601 moment such as 2025-06-01T12:00:00Z`, {
      hint: 'Give every part the same moment, a little after they will all have started (date -u -d "+2 min" +%FT%TZ).',
    });
  }
  return ms;
}

interface Outcome {
  results: Results;
  fatal?: { message: string; code?: string };
}

/**
 * One load test on its target: one server, or the shards of a sharded target (in shard
 * order), each transaction on its tenant's shard. The data set, its lock, its clock and
 * the workload's preparation are per shard; the environment is the first shard's.
 */
async function runOnTargets(targets: Target[], flags: TrafficFlags, plan: Plan, signal: AbortSignal): Promise<Outcome> {
  const log = (line: string) => info(flags, line);
  const sharded = isSharded(flags);
  const label = (i: number) => (sharded ? `shard ${i + 1}/${targets.length}: ` : '');
  let schema: string | undefined;
  let params: WorkloadParams = { scale: 1, seed: flags.seed, months: flags.months, enums: 'smallint', vars: plan.vars, clockStartMs: Date.now() };
  const admins: pg.Client[] = [];
  try {
    for (const target of targets) {
      const c = await target.connect();
      c.on('error', (err) => log(`connection error: ${err.message}`));
      admins.push(c);
    }
    const [target] = targets;
    const [admin] = admins;
    if (plan.usesDataset) {
      const ds = sharded ? await shardedDataset(targets, admins, flags, TRAFFIC_PREFIX, log) : await dataset(target, admin, flags, log);
      schema = ds.schema;
      // One load test per data set at a time: two would share its clock and its new keys.
      // The parts of one split run share it (shared lock): together they are one load test.
      for (const [i, a] of admins.entries()) {
        const lock = await a.query<{ ok: boolean }>(`SELECT ${plan.part ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock'}(hashtext('pgscale traffic ' || $1)) AS ok`, [schema]);
        if (!lock.rows[0].ok) {
          throw new PgscaleError('SERVER', `${label(i)}another pgscale traffic run is using the data set ${schema}`, {
            hint: 'Wait for it to end, or give this run a data set of its own (--schema, or another --seed).',
          });
        }
      }
      // The shards' clocks can differ (a shard's last run wrote later): continue from the latest.
      const clocks = await Promise.all(admins.map((a) => datasetParams(a, schema!, { ...ds.params, vars: plan.vars })));
      params = clocks.reduce((a, b) => (b.clockStartMs > a.clockStartMs ? b : a));
      log(`traffic: ${plan.workload.name} on ${schema}${sharded ? ` across ${targets.length} shards` : ''}; the data set's clock continues from ${new Date(params.clockStartMs).toISOString()}`);
    }
    const scriptVars: Record<string, number | string> = { ...plan.vars };
    if (plan.workload.kind === 'script' && scriptVars.scale === undefined) scriptVars.scale = await pgbenchScale(admin);
    if (plan.workload.kind === 'script') params = { ...params, scale: Number(scriptVars.scale) || 1 };
    const connection = trafficConnection(target, schema);
    if (schema) {
      for (const [i, a] of admins.entries()) {
        // The parts of a split run prepare the same data set at the same moment: one at a
        // time, or two would create the same partition at once (42P07).
        await a.query(`SELECT pg_advisory_lock(hashtext('pgscale traffic-prepare ' || $1))`, [schema]);
        try {
          await prepareWorkload(targets[i], schema, plan.prepare, params);
        } finally {
          await a.query(`SELECT pg_advisory_unlock(hashtext('pgscale traffic-prepare ' || $1))`, [schema]);
        }
      }
    }
    const environment = await environmentFingerprint(admin, target);
    const startedAt = new Date();
    if (plan.capacityStepSeconds !== undefined) return await searchOnTarget(admin, flags, plan, { schema, params, scriptVars, connection, environment, startedAt, signal });
    const describeMode = plan.mode === 'closed' ? `closed loop, ${plan.clients} clients` : plan.stages ? `open loop, stages ${flags.stages} (${flags.arrivals}), at most ${plan.clients} connections` : `open loop, ${plan.rate} tx/s (${flags.arrivals}), at most ${plan.clients} connections`;
    log(`traffic: ${describeMode}, ${plan.threads} thread(s), ${plan.warmupSeconds} s warm-up + ${plan.durationSeconds} s${plan.part ? `; part ${plan.part.index}/${plan.part.count} of ${plan.part.of.clients} connections${plan.part.of.rate !== null ? `, ${plan.part.of.rate} tx/s` : ''}` : ''}`);
    if (plan.startAtMs !== undefined) log(plan.startAtMs > Date.now() ? `traffic: starting at ${new Date(plan.startAtMs).toISOString()}` : `traffic: --start-at ${new Date(plan.startAtMs).toISOString()} has passed: starting now`);
    const run = await runTraffic({
      ...(sharded ? { shards: targets.map((t) => trafficConnection(t, schema)) } : { connection }),
      workload: plan.workload,
      params,
      scriptVars,
      clients: plan.clients,
      threads: plan.threads,
      rate: plan.rate,
      stages: plan.stages,
      arrivals: flags.arrivals,
      durationSeconds: plan.durationSeconds,
      warmupSeconds: plan.warmupSeconds,
      seed: flags.seed,
      maxTries: flags.maxTries,
      progressSeconds: plan.progressSeconds,
      onProgress: flags.quiet ? undefined : (p) => log(progressLine(p)),
      signal,
      slo: plan.slo,
      ...(plan.part ? { share: { index: plan.part.index, count: plan.part.count, firstClientId: plan.part.firstClientId }, secondHistograms: true } : {}),
      ...(plan.startAtMs !== undefined ? { startAtMs: plan.startAtMs } : {}),
    });
    const traffic: Traffic = run.traffic;
    if (plan.part) {
      traffic.part = {
        index: plan.part.index,
        count: plan.part.count,
        of: plan.part.of,
        windowStartedAt: new Date(run.windowStartMs).toISOString(),
        host: hostname(),
      };
    }
    if (schema) {
      const ds = schema;
      // Every shard records the run (the whole run's counts: a shard's next run continues its clock from it).
      const finished = await Promise.all(
        admins.map((a, i) =>
          finishDatasetRun(a, ds, {
            params,
            startedAt,
            tool: `pgscale ${toolFingerprint().version} traffic ${plan.workload.name}`,
            transactions: Object.fromEntries(traffic.perTransaction.map((t) => [t.name, t.transactions])),
          }).catch((err): Traffic['dataset'] => {
            log(`traffic: ${label(i)}could not record this run in ${ds}._pgscale_traffic: ${toPgscaleError(err).message}`);
            return { schema: ds };
          }),
        ),
      );
      const defaults: Record<string, number> = {};
      for (const f of finished) for (const [table, n] of Object.entries(f?.defaultPartitionRows ?? {})) defaults[table] = (defaults[table] ?? 0) + n;
      traffic.dataset = { schema: ds, ...(finished.some((f) => f?.defaultPartitionRows) ? { defaultPartitionRows: defaults } : {}) };
    }
    const results: Results = {
      schemaVersion: SCHEMA_VERSION,
      tool: toolFingerprint(),
      environment,
      params: { scale: params.scale, seed: params.seed, months: params.months, ...(schema ? { generatorVersion: GENERATOR_VERSION } : {}) },
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      scenarios: [],
      traffic,
      ...(sharded ? { shardLayout: resultsLayout(targets.length) } : {}),
      ...(traffic.partial ? { partial: true } : {}),
    };
    return { results, fatal: run.fatal };
  } finally {
    await Promise.all(admins.map((a) => a.end().catch(() => undefined)));
  }
}

/** `--find-capacity`: the capacity search instead of one run; its results are a `capacity` scenario. */
async function searchOnTarget(
  admin: pg.Client,
  flags: TrafficFlags,
  plan: Plan,
  run: { schema?: string; params: WorkloadParams; scriptVars: Record<string, number | string>; connection: pg.ClientConfig; environment: Results['environment']; startedAt: Date; signal: AbortSignal },
): Promise<Outcome> {
  const log = (line: string) => info(flags, line);
  const slo = plan.slo!;
  log(`traffic: searching for the highest rate that meets ${slo.spec}: ${plan.clients} connections, steps of ${plan.warmupSeconds} s warm-up + ${plan.capacityStepSeconds} s`);
  const t0 = performance.now();
  const found = await findCapacity({
    connection: run.connection,
    workload: plan.workload,
    params: run.params,
    scriptVars: run.scriptVars,
    slo,
    clients: plan.clients,
    threads: plan.threads,
    stepSeconds: plan.capacityStepSeconds!,
    vacuum: run.schema ? plan.updates : undefined,
    warmupSeconds: plan.warmupSeconds,
    seed: flags.seed,
    log,
    signal: run.signal,
    onStep: (s) => log(`  ${s.phase.padEnd(7)} ${String(s.rate).padStart(8)} tx/s → ${s.achievedRate.toFixed(0).padStart(7)} tx/s  p99 ${s.p99Ms.toFixed(1).padStart(7)} ms  ${s.errors} errors  ${s.passed ? 'pass' : `fail (${s.limitedBy})`}`),
  });
  if (run.schema) {
    await finishDatasetRun(admin, run.schema, { params: run.params, startedAt: run.startedAt, tool: `pgscale ${toolFingerprint().version} traffic --find-capacity ${plan.workload.name}`, transactions: found.transactions }).catch((err) =>
      log(`traffic: could not record this run in ${run.schema}._pgscale_traffic: ${toPgscaleError(err).message}`),
    );
  }
  const capacity = capacityResult(found, slo);
  const workload = plan.workload.kind === 'mix' ? `the ${plan.workload.name} mix` : plan.workload.name;
  return {
    results: {
      schemaVersion: SCHEMA_VERSION,
      tool: toolFingerprint(),
      environment: run.environment,
      params: { scale: run.params.scale, seed: run.params.seed, months: run.params.months, ...(run.schema ? { generatorVersion: GENERATOR_VERSION } : {}) },
      startedAt: run.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      scenarios: [
        {
          name: 'capacity',
          status: 'ok',
          finding: capacityFinding(capacity, workload),
          variants: [],
          metrics: { maxRate: capacity.maxRate, maxRateLow: capacity.low, maxRateHigh: capacity.high },
          metricKinds: CAPACITY_METRIC_KINDS,
          capacity,
          durationSeconds: (performance.now() - t0) / 1000,
        },
      ],
      ...(run.signal.aborted ? { partial: true } : {}),
    },
  };
}

/** The data set the mix runs on: --schema as it is, else the run's data set for these parameters (loaded when missing). */
async function dataset(target: Target, admin: pg.Client, flags: TrafficFlags, log: (line: string) => void): Promise<{ schema: string; params: Omit<WorkloadParams, 'schema' | 'vars' | 'clockStartMs'> }> {
  if (flags.schema) {
    const found = await inspectSchema(admin, flags.schema);
    if (!found.owned || !found.params || found.state !== 'complete') {
      throw new PgscaleError('USAGE', `schema '${flags.schema}' is not a complete pgscale data set${found.exists && !found.owned ? ' (pgscale did not create it)' : found.exists ? ` (its load is ${found.state})` : ' (it does not exist)'}`, {
        hint: `Load it first with pgscale load --schema ${flags.schema}, or leave --schema out to use (and load) ${TRAFFIC_PREFIX}_<scale>_<seed>_<enums>.`,
      });
    }
    const p = found.params;
    if (p.enums !== 'smallint' && p.enums !== 'varchar') throw new PgscaleError('USAGE', `schema '${flags.schema}' stores enums as ${p.enums}: the traffic mixes run on smallint or varchar data sets`);
    return { schema: flags.schema, params: { scale: p.scale, seed: p.seed, months: p.months, enums: p.enums } };
  }
  const data = { scale: flags.scale, seed: flags.seed, months: flags.months };
  let progress: ReturnType<typeof loadProgress> | undefined;
  try {
    const ds = await ensureDataset(
      target,
      {
        data,
        jobs: flags.jobs,
        // Its own data set: traffic writes, and the scenarios' data sets must stay as generated.
        schemaPrefix: TRAFFIC_PREFIX,
        log,
        onLoadEvent: (e) => {
          if (e.type === 'plan') progress = loadProgress(flags);
          progress?.onEvent(e);
        },
      },
      flags.enums,
      flags.fresh ? 'reload' : 'keep',
    );
    const earlier = await trafficWrites(admin, ds.schema);
    if (earlier > 0) log(`traffic: ${ds.schema} holds ${earlier.toLocaleString('en-US')} transactions of earlier load tests: figures are comparable only with runs on the same data (--fresh reloads it)`);
    return { schema: ds.schema, params: { ...data, enums: flags.enums as 'smallint' | 'varchar' } };
  } finally {
    progress?.stop();
  }
}

/** pgbench's :scale when the script does not set it: the rows of pgbench_branches, else 1 (as pgbench does). */
async function pgbenchScale(client: pg.Client): Promise<number> {
  const r = await client.query<{ n: string | null }>(`SELECT CASE WHEN to_regclass('pgbench_branches') IS NOT NULL THEN 1 END AS n`);
  if (r.rows[0].n === null) return 1;
  const c = await client.query<{ n: string }>('SELECT count(*) AS n FROM pgbench_branches');
  return Math.max(1, Number(c.rows[0].n));
}

/** One pgbench -P style line. */
function progressLine(p: ProgressReport): string {
  const f = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
  return (
    `progress: ${p.elapsedSeconds.toFixed(1)} s${p.warmup ? ' (warm-up)' : ''}, ${p.tps.toFixed(1)} tps, lat p50 ${f(p.p50Ms)} ms p99 ${f(p.p99Ms)} ms, ${p.errors} errors` +
    `${p.open ? `, lag p99 ${f(p.lagP99Ms)} ms` : ''}, busy ${p.busy}/${p.clients}${p.queued ? `, queued ${p.queued}` : ''}${p.dropped ? `, dropped ${p.dropped}` : ''}${p.cpuCores ? `, client cpu ${p.cpuCores.toFixed(2)} cores` : ''}`
  );
}
