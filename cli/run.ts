/**
 * `pgscale run [SCENARIO...]`: load what is missing (data sets are reused when their
 * parameters match), run the scenarios, write DIR/results.json (validated first),
 * DIR/report.md and DIR/report.html, and print a short summary. Exit 1 when any
 * scenario errored (the results are written all the same), 2 on bad usage.
 */
import { Option, type Command } from 'commander';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadResults } from '../reports/load.ts';
import { join, resolve } from 'node:path';
import { PgscaleError } from '../core/errors.ts';
import type { LoadEvent } from '../db/load.ts';
import { checkSchemaName } from '../db/schema.ts';
import { formatLatencyPair } from '../reports/format.ts';
import { type Results, parseResults } from '../reports/schema.ts';
import { type Dataset, type Scenario, selectScenarios } from '../scenarios/index.ts';
import { DEFAULT_PROJECT_ROWS, type RunStep, runScenarios, scaleTag, scenarioData } from '../scenarios/runner.ts';
import { parseInteger, parseMessages } from '../core/flags.ts';
import { parseDuration } from '../bench/traffic/schedule.ts';
import { readCalibration, recordLoad, recordTiming, writeCalibration } from './calibration.ts';
import { buildPlan, checkFreeSpace, describePlan, planSetting, runDatasets } from './plan.ts';
import { type ConnectionFlags, common, connectionOptions } from './options.ts';
import { info, printJson, writeFileAtomic } from './output.ts';
import { RunEta, loadProgress } from './progress.ts';
import { withTarget } from './session.ts';
import { DEFAULT_ROUNDS, runPaired } from './paired-run.ts';

/** Default data scale of `pgscale run`: the three scenarios finish in a few minutes on 2 cores. */
export const DEFAULT_RUN_SCALE = '300k';

export interface RunFlags extends ConnectionFlags {
  scale: number;
  seed: number;
  months: number;
  jobs: number;
  out?: string;
  schemaPrefix: string;
  queryMs: number;
  poolerUrl?: string;
  /** Load-test scenarios' measurement step, seconds (absent: the runner's default). */
  step?: number;
  baselineRef?: string;
  rounds: number;
  resume?: string;
  variants?: string[];
  dryRun?: boolean;
  force?: boolean;
  /** Messages that per-row figures are projected to (absent: the runner's default, see RunOptions.projectRows). */
  project?: number;
  /** Messages per-row scenarios measure instead of --scale, projected to it. */
  sample?: number;
}

/** `--step`: a duration of at least one second (load-test steps shorter than that measure nothing steady). */
function parseStep(value: string): number {
  const seconds = parseDuration('--step', value);
  if (!(seconds >= 1)) throw new PgscaleError('USAGE', `--step must be at least 1s (got '${value}')`, { hint: 'Give a duration such as 10s, 90s or 2m.' });
  return seconds;
}

export function register(program: Command): void {
  const cmd = program
    .command('run')
    .description('load what is missing, run the scenarios, write results.json, report.md and report.html')
    .argument('[scenario...]', 'scenarios to run (default: the core ones; pgscale list marks the others)')
    .addOption(common.scale(DEFAULT_RUN_SCALE))
    .addOption(common.seed())
    .addOption(common.months())
    .addOption(common.jobs())
    .option('--out <dir>', 'folder for results.json, report.md and report.html (default: out/<timestamp>)')
    .option('--schema-prefix <name>', 'first part of the schemas the run creates and reuses (pgscale_<scale>_<seed>_<style>)', 'pgscale')
    .option('--pooler-url <url>', 'scenario pooling: a PgBouncer you run (default: start Debian\'s pgbouncer for the target)')
    .addOption(new Option('--step <time>', 'load-test scenarios: the measurement step (capacity\'s and pooling\'s windows; an autovacuum arm is 10 steps), e.g. 30s (default: 5s)').argParser((v) => parseStep(v)))
    .option('--resume <dir>', 'finish an interrupted run: keep the scenarios DIR/results.json holds, measure the rest into it (same build, data and server)')
    .option('--baseline-ref <ref>', 'paired A/B run: also run the commit REF (checked out and installed beside this one), alternating with this build, and judge the differences (DIR/paired.json, DIR/compare.md)')
    .addOption(new Option('--rounds <n>', 'rounds of a paired run (--baseline-ref): each runs every scenario once per build').default(DEFAULT_ROUNDS).argParser(parseInteger('--rounds', 1, 100)))
    .addOption(new Option('--query-ms <ms>', 'time budget per measured query, in milliseconds (hard cap: 3×)').default(1000).argParser(parseInteger('--query-ms', 10, 600_000)))
    .addOption(new Option('--project <n>', `production size, in messages, that per-row sizes are projected to (default: the design guide's billion, ${scaleTag(DEFAULT_PROJECT_ROWS)}; with --sample, the --scale)`).argParser(parseMessages('--project')))
    .addOption(new Option('--sample <n>', 'per-row scenarios (enum-storage, time-index) measure a data set of N messages and project it to --scale (or --project); the others use the full data set').argParser(parseMessages('--sample')))
    .addOption(new Option('--variants <names>', 'measure only these arms, comma-separated (e.g. smallint,varchar); scenarios with none of them are left out').argParser(parseList))
    .addOption(common.dryRun())
    .addOption(common.force());
  connectionOptions(cmd).action(async (names: string[], flags: RunFlags) => {
      // Usage errors first: before any server is started.
      const { scenarios, chosen, left } = chooseVariants(selectScenarios(names), flags.variants);
      if (left.length > 0) info(flags, `run: --variants leaves out ${left.join(', ')} (none of its arms named)`);
      if (flags.baselineRef !== undefined && (flags.variants !== undefined || flags.dryRun || flags.sample !== undefined)) throw new PgscaleError('USAGE', '--baseline-ref cannot be combined with --variants, --sample or --dry-run');
      const full = checkSample(scenarios, flags.scale, flags.sample);
      if (full.length > 0) info(flags, `run: --sample applies to per-row scenarios only: ${full.join(', ')} run${full.length === 1 ? 's' : ''} on the full data set (${scaleTag(flags.scale)} messages)`);
      if (flags.poolerUrl !== undefined) checkPoolerUrl(flags.poolerUrl);
      checkSchemaName(`${flags.schemaPrefix}_x`);
      if (flags.resume !== undefined && flags.out !== undefined && resolve(flags.out) !== resolve(flags.resume)) {
        throw new PgscaleError('USAGE', '--resume DIR writes into DIR: leave out --out, or give the same folder');
      }
      if (flags.resume !== undefined && flags.baselineRef !== undefined) throw new PgscaleError('USAGE', '--resume and --baseline-ref cannot be combined');
      const out = resolve(flags.resume ?? flags.out ?? join('out', new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)));
      const resume = flags.resume !== undefined ? resumable(out) : undefined;
      const setting = planSetting(flags, process.env, process.cwd());
      let progress: ReturnType<typeof loadProgress> | undefined;
      let eta: RunEta | undefined;
      // One progress display per data set loaded.
      const onLoadEvent = (e: LoadEvent) => {
        // Before a load's plan (waiting for another process's load) there is no progress display yet.
        if (e.type === 'note' && !progress) info(flags, `load: ${e.message}`);
        if (e.type === 'plan') {
          progress?.stop();
          progress = loadProgress(flags, eta);
          if (!e.reused) eta?.loadStarted();
        }
        progress?.onEvent(e);
        if (e.type === 'phase' && e.phase === 'done') {
          progress?.stop();
          eta?.loadDone();
        }
      };
      const t0 = performance.now();
      if (flags.baselineRef !== undefined) {
        const baselineRef = flags.baselineRef;
        const interrupt = new AbortController();
        const { paired, files } = await withTarget(flags, (target) => runPaired(target, { flags: { ...flags, baselineRef }, scenarios, out, log: (line) => info(flags, line), signal: interrupt.signal }), interrupt);
        const errored = paired.rounds.flatMap((r) => [...r.baseline.scenarios, ...r.current.scenarios]).filter((s) => s.status === 'errored');
        if (flags.json) printJson({ out, files, seconds: (performance.now() - t0) / 1000, rounds: paired.rounds.length, baseline: paired.baseline, current: paired.current });
        else info(flags, `results: ${files.join(', ')}\ngate: pgscale compare ${join(out, 'paired.json')}`);
        if (errored.length > 0) process.exitCode = 1;
        return;
      }
      const interrupt = new AbortController();
      const data = { scale: flags.scale, seed: flags.seed, months: flags.months };
      const kept = new Set((resume?.scenarios ?? []).filter((r) => r.status === 'ok').map((r) => r.name));
      const ran = await withTarget(flags, async (target) => {
        const calibration = readCalibration(setting.calibrationPath);
        const server = setting.server(target);
        const toRun = scenarios.filter((s) => !kept.has(s.name));
        const plan = await buildPlan(target, {
          command: 'run',
          data,
          datasets: runDatasets(toRun, data, flags.schemaPrefix, chosen, flags.sample),
          scenarios: toRun,
          sample: flags.sample,
          calibration,
          server,
          dataPath: setting.dataPath,
          freeBytesOverride: setting.freeBytesOverride,
          jobs: flags.jobs,
          schemaPrefix: flags.schemaPrefix,
          log: (line) => info(flags, line),
        });
        writeCalibration(setting.calibrationPath, calibration);
        info(flags, describePlan(plan));
        if (flags.dryRun) return { plan };
        checkFreeSpace(plan, { force: !!flags.force, log: (line) => info(flags, line) });
        eta = new RunEta(plan);
        info(flags, `run: ${scenarios.map((s) => s.name).join(', ')} at scale ${flags.scale.toLocaleString('en-US')}, seed ${flags.seed} → ${out}`);
        // Each scenario's own time (its loads taken out) and each load: figures for the next plan.
        const loads: Dataset[] = [];
        let loadSecondsInScenario = 0;
        const onStep = (e: RunStep) => {
          if (e.type === 'scenario-start') {
            loadSecondsInScenario = 0;
            eta?.scenarioStarted(e.name);
            info(flags, `run: scenario ${e.name} — run ETA ${eta?.describe()}`);
          } else if (e.type === 'dataset') {
            if (!e.dataset.summary.reused) loadSecondsInScenario += e.dataset.summary.seconds.total;
            loads.push(e.dataset);
          } else if (e.status === 'ok') {
            const s = scenarios.find((x) => x.name === e.name);
            const at = s ? scenarioData(s, data, flags.sample).data.scale : flags.scale;
            recordTiming(calibration, server, `scenario/${e.name}`, at, Math.max(0, e.seconds - loadSecondsInScenario));
          }
        };
        try {
          const results = await runScenarios(target, {
            signal: interrupt.signal,
            resume,
            // Each finished scenario is on disk at once: an interrupted or killed run keeps it.
            onScenario: (soFar) => writeResultsJson(out, soFar),
            data,
            scenarios,
            variants: chosen,
            projectRows: flags.project,
            sample: flags.sample,
            onStep,
            jobs: flags.jobs,
            schemaPrefix: flags.schemaPrefix,
            latency: { timeMs: flags.queryMs },
            traffic: { poolerUrl: flags.poolerUrl, ...(flags.step !== undefined ? { stepSeconds: flags.step } : {}) },
            log: (line) => info(flags, line),
            onLoadEvent,
          });
          return { plan, results };
        } finally {
          progress?.stop();
          for (const ds of loads) await recordLoad(target, calibration, server, ds.summary).catch((err: unknown) => info(flags, `plan: could not record the load of ${ds.schema} (${(err as Error).message})`));
          writeCalibration(setting.calibrationPath, calibration);
        }
      }, interrupt);
      if (!ran.results) {
        if (flags.json) printJson({ dryRun: true, plan: ran.plan });
        else info(flags, 'run: --dry-run — nothing was written');
        return;
      }
      const { results, plan } = ran;
      const files = await writeResults(out, results);
      const seconds = (performance.now() - t0) / 1000;
      const errored = results.scenarios.filter((s) => s.status === 'errored');
      if (flags.json) {
        printJson({
          plan,
          out,
          files,
          seconds,
          scenarios: results.scenarios.map((s) => ({ name: s.name, status: s.status, finding: s.finding, durationSeconds: s.durationSeconds, error: s.error })),
        });
      } else {
        info(flags, summaryTable(results, seconds));
        info(flags, `results: ${files.join(', ')}`);
      }
      if (errored.length > 0) process.exitCode = 1;
      if (interrupt.signal.aborted) {
        info(flags, `run: interrupted — the finished scenarios are in ${join(out, 'results.json')} (marked partial); finish it with: pgscale run --resume ${out}`);
        process.exitCode = 130;
      }
    });
}

/**
 * Check --sample against the run: larger than --scale is a usage error. Returns the
 * scenarios it does not shrink (not per-row: they measure the full data set).
 */
export function checkSample(scenarios: readonly Scenario[], scale: number, sample: number | undefined): string[] {
  if (sample === undefined) return [];
  if (sample > scale) {
    throw new PgscaleError('USAGE', `--sample ${scaleTag(sample)} is larger than --scale ${scaleTag(scale)}: a sample is part of the run's data set`, {
      hint: `Give --sample below ${scaleTag(scale)}, or leave it out to measure the full data set.`,
    });
  }
  return scenarios.filter((s) => !s.perRow).map((s) => s.name);
}

/** `a,b` → ['a', 'b'] (a usage error when empty). */
function parseList(value: string): string[] {
  const names = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (names.length === 0) throw new PgscaleError('USAGE', `invalid --variants '${value}': expected arm names separated by commas, such as smallint,varchar`);
  return names;
}

/**
 * Limit the scenarios to the arms named: each scenario keeps the named arms it has (all
 * of them when none are named); one with none of them is left out; one that cannot
 * measure part of its arms is a usage error. Unknown names are a usage error listing the
 * known ones.
 */
export function chooseVariants(scenarios: readonly Scenario[], names: readonly string[] | undefined): { scenarios: Scenario[]; chosen: Record<string, string[]>; left: string[] } {
  if (names === undefined) return { scenarios: [...scenarios], chosen: {}, left: [] };
  const known = [...new Set(scenarios.flatMap((s) => s.variants))];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new PgscaleError('USAGE', `unknown variant${unknown.length > 1 ? 's' : ''} for ${scenarios.map((s) => s.name).join(', ')}: ${unknown.join(', ')}`, { hint: `Known variants: ${known.join(', ')}.` });
  }
  const chosen: Record<string, string[]> = {};
  const kept: Scenario[] = [];
  const left: string[] = [];
  for (const s of scenarios) {
    const arms = s.variants.filter((v) => names.includes(v));
    if (arms.length === 0) {
      left.push(s.name);
      continue;
    }
    if (arms.length < s.variants.length) {
      if (!s.variantsSelectable) {
        throw new PgscaleError('USAGE', `scenario ${s.name} measures all its arms together (${s.variants.join(', ')}): it cannot measure only ${arms.join(', ')}`, { hint: `Name all of its arms, or leave ${s.name} out.` });
      }
      chosen[s.name] = arms;
    }
    kept.push(s);
  }
  return { scenarios: kept, chosen, left };
}

/** The interrupted run in DIR, to resume (a usage error when there is none). */
function resumable(dir: string): Results {
  const path = join(dir, 'results.json');
  if (!existsSync(path)) throw new PgscaleError('USAGE', `--resume ${dir}: no results.json there to resume`, { hint: 'Pass the --out folder of the interrupted run.' });
  return loadResults(path);
}

/** Validate and write DIR/results.json atomically (a temporary file renamed over it): never half a file. */
export function writeResultsJson(out: string, results: Results): void {
  const valid = parseResults(results);
  mkdirSync(out, { recursive: true });
  writeFileAtomic(join(out, 'results.json'), `${JSON.stringify(valid, null, 2)}\n`);
}

/** --pooler-url must be a postgres:// URL: a usage error before anything starts. */
function checkPoolerUrl(url: string): void {
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new PgscaleError('USAGE', '--pooler-url is not a postgres:// URL', { hint: 'Use the form postgres://USER:PASSWORD@HOST:6432/DATABASE of the PgBouncer you run.' });
  }
}

/** JSON.stringify would write NaN and ±Infinity as null (often the very field that failed): keep them readable. */
function rawReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return String(value);
  return value;
}

/**
 * Validate, then write results.json, report.md and report.html; returns the paths
 * written. An invalid document is not thrown away with the run that measured it: it is
 * written as results.invalid.json (the raw document) and the error names that file.
 */
export async function writeResults(out: string, results: Results): Promise<string[]> {
  let valid: Results;
  try {
    valid = parseResults(results);
  } catch (err) {
    mkdirSync(out, { recursive: true });
    const raw = join(out, 'results.invalid.json');
    writeFileSync(raw, `${JSON.stringify(results, rawReplacer, 2)}\n`);
    throw new PgscaleError('INTERNAL', `the results document is invalid: ${(err as Error).message}. The raw document is in ${raw}; no results.json or report was written`, {
      hint: 'This is a pgscale bug: please report it with results.invalid.json. Its measurements are all there to read.',
      cause: err,
    });
  }
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(join(out, name), text);
    written.push(join(out, name));
  };
  writeResultsJson(out, valid);
  written.push(join(out, 'results.json'));
  // The renderers live in reports/ (read only the results document).
  const { renderMarkdown } = await import('../reports/markdown.ts');
  write('report.md', renderMarkdown(valid));
  const { renderHtml } = await import('../reports/html.ts');
  write('report.html', renderHtml(valid));
  return written;
}

/** The short table printed at the end of a run. */
export function summaryTable(r: Results, seconds: number): string {
  const rows = r.scenarios.map((s) => [s.name, s.status, `${(s.durationSeconds ?? 0).toFixed(1)} s`, String(s.variants.length)]);
  const header = ['scenario', 'status', 'time', 'variants'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const floor = r.clientFloor ? `client floor (SELECT 1, p50 / p99): ${formatLatencyPair(r.clientFloor).text}` : '';
  return [
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    ...r.scenarios.map((s) => `${s.status === 'ok' ? '✓' : '✗'} ${s.name}: ${s.finding}${s.error?.sqlstate ? ` [SQLSTATE ${s.error.sqlstate}]` : ''}`),
    '',
    floor,
    `${r.scenarios.length} scenario(s) in ${seconds.toFixed(0)} s; cache: ${r.environment.cacheState ?? 'not stated'}`,
  ].join('\n');
}
