/**
 * Like with like: whether two results documents may be compared at all. Differences
 * that change what was measured (scale, seed, Postgres major version,
 * target kind, CPU count, memory-shaping settings) refuse the comparison; softer ones
 * (Postgres minor version, CPU model, Node version, memory size) only warn. Load tests
 * add their own (compare-traffic.ts): a partial baseline or another workload refuses.
 */
import { PgscaleError } from '../core/errors.ts';
import { checkTrafficComparable } from './compare-traffic.ts';
import type { Results } from './schema.ts';

export interface Comparability {
  /** Differences that make the comparison meaningless. */
  problems: string[];
  /** Differences worth knowing that do not stop the comparison. */
  warnings: string[];
}

/**
 * Server settings that change plans or the cache and so every latency: a difference
 * refuses. Other non-default settings only warn.
 */
const HARD_SETTINGS = ['shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', 'jit', 'max_parallel_workers_per_gather'];

/** Major and minor version from `versionNum` (180001) or a version string ("PostgreSQL 18.1 on …"). */
export function postgresVersion(env: Results['environment']['postgres']): { major: number; minor: number } | undefined {
  if (env.versionNum && env.versionNum >= 100000) {
    return { major: Math.floor(env.versionNum / 10000), minor: env.versionNum % 10000 };
  }
  const m = /(\d+)(?:\.(\d+))?/.exec(env.version);
  return m ? { major: Number(m[1]), minor: Number(m[2] ?? 0) } : undefined;
}

function differ(what: string, a: unknown, b: unknown): string {
  return `${what} differs (baseline ${String(a)}, current ${String(b)})`;
}

function nodeMajor(v: string): string {
  return (/(\d+)/.exec(v) ?? [])[1] ?? v;
}

/** The arms each scenario measured, as `run --variants` chose them ('all' when not chosen). */
function armsOf(r: Results): Map<string, string> {
  return new Map(r.scenarios.map((s) => [s.name, s.chosenVariants ? [...s.chosenVariants].sort().join(',') : 'all']));
}

/**
 * Scenarios both runs hold that measured different arms (`run --variants`), described;
 * empty when the arms match. A result without chosen arms measured all of them.
 */
export function armDifferences(baseline: Results, current: Results): string[] {
  const b = armsOf(baseline);
  const out: string[] = [];
  for (const [name, arms] of armsOf(current)) {
    const before = b.get(name);
    if (before !== undefined && before !== arms) out.push(`${name} measured other arms (baseline ${before}, current ${arms})`);
  }
  return out;
}

/** The data each scenario measured: `sample 20000` when `run --sample` gave it one, 'full' when not. */
function sampleOf(r: Results): Map<string, string> {
  return new Map(r.scenarios.map((s) => [s.name, s.sampleRows !== undefined ? `sample ${s.sampleRows}` : 'full']));
}

/**
 * Scenarios both runs hold that measured other data (`run --sample`), described; empty
 * when they match. A result without sampleRows measured the full data set.
 */
export function sampleDifferences(baseline: Results, current: Results): string[] {
  const b = sampleOf(baseline);
  const out: string[] = [];
  for (const [name, sample] of sampleOf(current)) {
    const before = b.get(name);
    if (before !== undefined && before !== sample) out.push(`${name} measured other data (baseline ${before}, current ${sample})`);
  }
  return out;
}

/** List what differs between a baseline and a current run, split into problems and warnings. */
export function checkComparable(baseline: Results, current: Results): Comparability {
  const problems: string[] = [];
  const warnings: string[] = [];
  const bp = baseline.params;
  const cp = current.params;
  if (bp.scale !== cp.scale) problems.push(differ('scale', bp.scale, cp.scale));
  if (bp.seed !== cp.seed) problems.push(differ('seed', bp.seed, cp.seed));
  if (bp.months !== undefined && cp.months !== undefined && bp.months !== cp.months) problems.push(differ('months', bp.months, cp.months));
  if (bp.generatorVersion !== undefined && cp.generatorVersion !== undefined && bp.generatorVersion !== cp.generatorVersion) {
    problems.push(differ('generator version', bp.generatorVersion, cp.generatorVersion));
  }

  const bNames = new Set(baseline.scenarios.map((s) => s.name));
  const cNames = new Set(current.scenarios.map((s) => s.name));
  const onlyBase = [...bNames].filter((n) => !cNames.has(n));
  const onlyCur = [...cNames].filter((n) => !bNames.has(n));
  if (onlyBase.length > 0 || onlyCur.length > 0) {
    const parts = [];
    if (onlyBase.length > 0) parts.push(`only in baseline: ${onlyBase.join(', ')}`);
    if (onlyCur.length > 0) parts.push(`only in current: ${onlyCur.join(', ')}`);
    // The night after a scenario lands must still gate the rest: a warning, and the
    // scenarios on one side only show as new or missing metrics.
    warnings.push(`scenario set differs (${parts.join('; ')}): the scenarios both runs have are judged, the others are listed as new or missing`);
  }

  // A run of some arms (`run --variants`) is judged only against runs of the same arms.
  for (const d of armDifferences(baseline, current)) problems.push(`${d}: compare runs made with the same --variants`);
  // Per-row figures measured on a sample (`run --sample`) are judged only against the same sample.
  for (const d of sampleDifferences(baseline, current)) problems.push(`${d}: compare runs made with the same --sample`);

  // A sharded target's figures are its shards' together: another count or placement is another system.
  const bl = describeLayout(baseline.shardLayout);
  const cl = describeLayout(current.shardLayout);
  if (bl !== cl) problems.push(`shard layout differs (baseline: ${bl}; current: ${cl}): compare runs on the same layout`);

  const be = baseline.environment;
  const ce = current.environment;
  const bv = postgresVersion(be.postgres);
  const cv = postgresVersion(ce.postgres);
  if (bv && cv && bv.major !== cv.major) problems.push(differ('Postgres major version', bv.major, cv.major));
  else if (bv && cv && bv.minor !== cv.minor) warnings.push(differ('Postgres minor version', `${bv.major}.${bv.minor}`, `${cv.major}.${cv.minor}`));
  if (be.target !== ce.target) problems.push(differ('target kind', be.target, ce.target));
  if (be.cpus !== ce.cpus) problems.push(differ('CPU count', be.cpus, ce.cpus));
  if (be.cpu !== ce.cpu) warnings.push(differ('CPU model', be.cpu, ce.cpu));
  if (be.memoryBytes > 0 && Math.abs(ce.memoryBytes - be.memoryBytes) / be.memoryBytes > 0.05) {
    warnings.push(differ('memory', `${(be.memoryBytes / 2 ** 30).toFixed(1)} GiB`, `${(ce.memoryBytes / 2 ** 30).toFixed(1)} GiB`));
  }
  if (nodeMajor(be.node) !== nodeMajor(ce.node)) warnings.push(differ('Node.js major version', be.node, ce.node));
  // Embedded servers may get another port each run: a different server only warns.
  if (be.server && ce.server && be.server !== ce.server) warnings.push(differ('server', be.server, ce.server));
  // pgscale's sessions run in UTC, so the data and its months are the same; the server's
  // other sessions (and anything reading its logs) are not.
  if (be.serverTimeZone && ce.serverTimeZone && be.serverTimeZone !== ce.serverTimeZone) warnings.push(differ('server time zone', be.serverTimeZone, ce.serverTimeZone));
  if (be.cacheState && ce.cacheState && be.cacheState !== ce.cacheState) problems.push(differ('cache state', be.cacheState, ce.cacheState));

  const keys = new Set([...Object.keys(be.postgres.settings), ...Object.keys(ce.postgres.settings)]);
  for (const key of [...keys].sort()) {
    const a = be.postgres.settings[key];
    const b = ce.postgres.settings[key];
    if (a === b) continue;
    const line = differ(`setting ${key}`, a ?? '(default)', b ?? '(default)');
    (HARD_SETTINGS.includes(key) ? problems : warnings).push(line);
  }
  // What pgscale cannot control: CPU the hypervisor took while a scenario ran.
  for (const [which, run] of [['baseline', baseline], ['current', current]] as const) {
    for (const sc of run.scenarios) {
      const m = sc.machine;
      if (m && m.cores > 0 && m.steal / m.cores > 0.05) warnings.push(`${sc.name}: the hypervisor took ${((100 * m.steal) / m.cores).toFixed(0)} % of the CPU (steal) while the ${which} ran it: its timings are partly the machine's`);
    }
  }
  // An interrupted run (a load test says so itself, below).
  if (baseline.partial && !baseline.traffic) {
    const unfinished = baseline.scenarios.filter((s) => s.status !== 'ok').map((s) => s.name);
    problems.push(`the baseline run was interrupted (partial${unfinished.length ? `; not finished: ${unfinished.join(', ')}` : ''}): a partial run is no reference — finish it with pgscale run --resume DIR`);
  }
  if (current.partial && !current.traffic) {
    const finished = new Set(current.scenarios.filter((s) => s.status === 'ok').map((s) => s.name));
    const missing = baseline.scenarios.map((s) => s.name).filter((n) => !finished.has(n));
    warnings.push(`the current run was interrupted: judged on the scenarios it finished${missing.length ? `; not measured: ${missing.join(', ')}` : ''}`);
  }
  const traffic = checkTrafficComparable(baseline, current);
  problems.push(...traffic.problems);
  warnings.push(...traffic.warnings);
  return { problems, warnings };
}

/** A results file's shard layout in words: `one server`, or `2 shards by hashint8extended(tenant_id, 0) mod shards`. */
export function describeLayout(layout: Results['shardLayout']): string {
  return layout ? `${layout.count} shard${layout.count === 1 ? '' : 's'} by ${layout.placement}` : 'one server';
}

/**
 * Throw PgscaleError('UNUSABLE_INPUT') naming every meaningful difference; return the
 * warnings otherwise.
 */
export function assertComparable(baseline: Results, current: Results): string[] {
  const { problems, warnings } = checkComparable(baseline, current);
  if (problems.length > 0) {
    throw new PgscaleError('UNUSABLE_INPUT', `cannot compare these runs: ${problems.join('; ')}`, {
      hint: 'Compare runs made with the same --scale, --seed and scenarios on the same kind of server; re-run the baseline in this environment.',
    });
  }
  return warnings;
}
