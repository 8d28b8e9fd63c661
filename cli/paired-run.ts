/**
 * `pgscale run --baseline-ref REF`: the paired A/B run. The baseline commit is checked
 * out and installed beside this one (cli/worktree.ts); then, round after round, each
 * scenario runs once per build, in child `pgscale run` processes on this server and
 * these data sets, the order alternating (AB, BA …) so neither build always goes first.
 * What it writes, under DIR:
 *   paired.json                      every round's two results documents (the gate's input)
 *   compare.md                       the paired gate's verdict
 *   baseline/, current/              each build's first round as a normal run (results.json + reports)
 *   rounds/R/ARM/SCENARIO/           each child run's own output, and its log
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PgscaleError } from '../core/errors.ts';
import type { Target } from '../db/target.ts';
import type { EnumStyle } from '../generators/enums.ts';
import { comparePaired } from '../reports/compare-paired.ts';
import { comparisonHeadline, renderComparisonMarkdown } from '../reports/compare-table.ts';
import { loadResults } from '../reports/load.ts';
import { type Arm, mergeResults, PAIRED_KIND, PAIRED_VERSION, type PairedRound, type PairedRun } from '../reports/paired.ts';
import type { Results } from '../reports/schema.ts';
import type { Scenario } from '../scenarios/index.ts';
import { datasetSchema, ensureDataset } from '../scenarios/runner.ts';
import { currentCommit, generatorVersionOf, PGSCALE_ROOT, prepareBaseline, resolveRef } from './worktree.ts';
import { writeFileAtomic } from './output.ts';
import type { RunFlags } from './run.ts';

/** Default rounds of a paired run: three give every metric two degrees of freedom of its own. */
export const DEFAULT_ROUNDS = 3;

export interface PairedOptions {
  flags: RunFlags & { baselineRef: string; rounds: number };
  scenarios: readonly Scenario[];
  out: string;
  log: (line: string) => void;
  signal?: AbortSignal;
  /**
   * Called before and after each arm's run of a scenario: where the gate's power bench
   * and its tests plant a regression into one arm (drop an index, start a CPU hog).
   */
  around?: { before?(step: ArmStep): Promise<void>; after?(step: ArmStep): Promise<void> };
}

/** One arm's run of one scenario in one round. */
export interface ArmStep {
  round: number;
  scenario: string;
  arm: Arm;
}

/** The flags a child `pgscale run` gets: the data, the budget and the same server. */
function childArgs(flags: PairedOptions['flags'], scenario: string, out: string, schemaPrefix: string): string[] {
  const args = ['run', scenario, '--scale', String(flags.scale), '--seed', String(flags.seed), '--months', String(flags.months), '--jobs', String(flags.jobs)];
  args.push('--schema-prefix', schemaPrefix, '--query-ms', String(flags.queryMs), '--out', out, '--quiet');
  if (flags.poolerUrl) args.push('--pooler-url', flags.poolerUrl);
  // Projections must match between the arms, or their projected sizes differ by design.
  if (flags.project !== undefined) args.push('--project', String(flags.project));
  // The embedded server is shared through its data folder; any other server is reached
  // at its URL (childEnv), so a container is not started again.
  if (flags.dataDir) args.push('--data-dir', flags.dataDir);
  return args;
}

/**
 * The environment of a child: a URL target passes in DATABASE_URL (never on the command
 * line, where `ps` shows it); an embedded server is shared through its data folder; a
 * container pgscale started is reached at the URL it was given.
 */
function childEnv(flags: PairedOptions['flags'], target: Target): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  if (flags.databaseUrl) env.DATABASE_URL = flags.databaseUrl;
  else if (target.kind === 'container') {
    const c = target.config;
    env.DATABASE_URL = c.connectionString ?? `postgres://${encodeURIComponent(String(c.user))}:${encodeURIComponent(String(c.password ?? ''))}@${c.host}:${c.port}/${c.database}`;
  }
  return env;
}

/** Run one child and read its results.json; its log is kept beside it. */
async function runChild(entry: string, args: string[], env: NodeJS.ProcessEnv, out: string, signal?: AbortSignal): Promise<Results> {
  mkdirSync(out, { recursive: true });
  const logPath = join(out, 'run.log');
  const logFile = createWriteStream(logPath);
  const child = spawn(process.execPath, [entry, ...args], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(logFile, { end: false });
  child.stderr.pipe(logFile, { end: false });
  const onAbort = () => child.kill('SIGINT');
  signal?.addEventListener('abort', onAbort, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, sig) => resolve(c ?? (sig ? 128 : null)));
  }).finally(() => signal?.removeEventListener('abort', onAbort));
  await new Promise<void>((resolve) => logFile.end(resolve));
  if (signal?.aborted || code === 130) throw new PgscaleError('INTERRUPTED', 'interrupted');
  // Exit 1 with results written: a scenario errored, which the results record (and the gate judges).
  try {
    return loadResults(join(out, 'results.json'));
  } catch {
    const tail = readFileSync(logPath, 'utf8').trim().split('\n').slice(-8).join('\n');
    throw new PgscaleError('BASELINE', `pgscale run ${args[1]} exited ${code} without results (${logPath}):\n${tail}`, {
      hint: 'The last lines of its log are above. A baseline build may not know a flag this one passes: choose a later --baseline-ref.',
    });
  }
}

/** Run the paired rounds; returns the paired document (also written to DIR/paired.json). */
export async function runPaired(target: Target, opts: PairedOptions): Promise<{ paired: PairedRun; files: string[] }> {
  const { flags, scenarios, out, log } = opts;
  const baselineSha = resolveRef(flags.baselineRef);
  const build = prepareBaseline(baselineSha, log);
  const currentSha = currentCommit();
  // Same generator: both builds read the same data sets. Otherwise the baseline gets its
  // own (named apart), or each arm would reload the other's before every scenario.
  const sharedData = generatorVersionOf(build.dir) !== undefined && generatorVersionOf(build.dir) === generatorVersionOf(PGSCALE_ROOT);
  const prefix: Record<Arm, string> = { current: flags.schemaPrefix, baseline: sharedData ? flags.schemaPrefix : `${flags.schemaPrefix}_base` };
  const entry: Record<Arm, string> = { current: join(PGSCALE_ROOT, 'bin', 'pgscale.js'), baseline: build.entry };
  log(`paired run: baseline ${flags.baselineRef} (${baselineSha.slice(0, 10)}, dependencies ${build.install}) against this checkout (${currentSha.slice(0, 10)}), ${flags.rounds} round(s) of ${scenarios.map((s) => s.name).join(', ')}`);
  if (!sharedData) log('paired run: the two builds generate different data; the baseline loads its own data sets (named with _base)');

  // The data sets both arms read are loaded before the first round, so no arm's first
  // scenario measures a server still busy with a load.
  const styles = [...new Set(scenarios.flatMap((s) => s.datasets ?? []))] as EnumStyle[];
  for (const style of styles) {
    await ensureDataset(target, { data: { scale: flags.scale, seed: flags.seed, months: flags.months }, jobs: flags.jobs, schemaPrefix: prefix.current, log }, style, 'reload');
  }
  if (styles.length > 0) log(`paired run: data sets ready (${styles.map((s) => datasetSchema(prefix.current, flags, s)).join(', ')})`);

  const env = childEnv(flags, target);
  const startedAt = new Date().toISOString();
  const rounds: PairedRound[] = [];
  const files: string[] = [];
  const write = () => {
    const paired: PairedRun = { kind: PAIRED_KIND, version: PAIRED_VERSION, baseline: { ref: flags.baselineRef, gitSha: baselineSha }, current: { ref: 'HEAD', gitSha: currentSha }, sharedData, startedAt, finishedAt: new Date().toISOString(), rounds };
    mkdirSync(out, { recursive: true });
    writeFileAtomic(join(out, 'paired.json'), `${JSON.stringify(paired, null, 2)}\n`);
    return paired;
  };
  try {
    for (let r = 1; r <= flags.rounds; r++) {
      const parts: Record<Arm, Results[]> = { baseline: [], current: [] };
      const order: Record<string, [Arm, Arm]> = {};
      for (const [i, s] of scenarios.entries()) {
        // ABBA: the first arm alternates by round and by scenario.
        const arms: [Arm, Arm] = (r + i) % 2 === 1 ? ['baseline', 'current'] : ['current', 'baseline'];
        order[s.name] = arms;
        for (const arm of arms) {
          const t0 = performance.now();
          const dir = join(out, 'rounds', String(r), arm, s.name);
          const step = { round: r, scenario: s.name, arm };
          await opts.around?.before?.(step);
          let result: Results;
          try {
            result = await runChild(entry[arm], childArgs(flags, s.name, dir, prefix[arm]), env, dir, opts.signal);
          } finally {
            await opts.around?.after?.(step);
          }
          parts[arm].push(result);
          const status = result.scenarios.map((x) => x.status).join(',');
          log(`round ${r}/${flags.rounds} · ${s.name} · ${arm.padEnd(8)} ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${status}`);
        }
      }
      rounds.push({ round: r, order, baseline: mergeResults(parts.baseline), current: mergeResults(parts.current) });
      write();
    }
  } catch (err) {
    if (rounds.length > 0) {
      write();
      log(`paired run: ${rounds.length} complete round(s) kept in ${join(out, 'paired.json')}`);
    }
    throw err;
  }
  const paired = write();
  files.push(join(out, 'paired.json'));
  // Each build's first round as a normal run, with its reports.
  const { writeResults } = await import('./run.ts');
  for (const arm of ['baseline', 'current'] as const) files.push(...(await writeResults(join(out, arm), rounds[0][arm])));
  const comparison = comparePaired(paired);
  writeFileSync(join(out, 'compare.md'), renderComparisonMarkdown(comparison, { changedOnly: true }));
  files.push(join(out, 'compare.md'));
  log(`paired gate: ${comparisonHeadline(comparison).replace(/\*\*/g, '')}`);
  return { paired, files };
}
