/**
 * What `run` and `load` are about to do, before they write anything: every data set to
 * load, resume, reload or reuse (rows and bytes per table), the scratch copies scenarios
 * make, the peak disk, and the time. Figures come from this machine's measurements
 * (calibration.ts); the free-space check refuses a plan the data directory cannot hold.
 */
import { statfsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import { PgscaleError } from '../core/errors.ts';
import { type Footprint, measureFootprint, schemaBytes, totalBytes } from '../db/footprint.ts';
import { inspectSchema, sameData, trafficWrites } from '../db/schema.ts';
import { type Target, type TargetFlags, resolveTargetSpec } from '../db/target.ts';
import type { EnumStyle } from '../generators/enums.ts';
import { type DataParams, GENERATOR_VERSION, TABLES, TABLE_NAMES, type TableName, chunkPlan, deriveCounts } from '../generators/index.ts';
import type { Scenario } from '../scenarios/index.ts';
import { TRAFFIC_SUFFIX, datasetSchema, scenarioData } from '../scenarios/runner.ts';
import { type Calibration, calibrate, estimateFootprint, estimateSeconds } from './calibration.ts';

/**
 * Load rate when this server has never loaded anything pgscale timed: messages per
 * second for a whole load (COPY, indexes, VACUUM). Stated in every plan that uses it.
 */
export const DEFAULT_MESSAGES_PER_SECOND = 25_000;
/**
 * COPY extends relations in bulk and leaves empty pages until VACUUM gives them back
 * (db/load.ts measured 71.6 → 67.9 MB on a fresh 300k message_history): room for that.
 */
const COPY_SLACK = 0.06;

/** A data set a command asks for. */
export interface DatasetRequest {
  schema: string;
  style: EnumStyle;
  /** Who needs it: scenario names, or `load`. */
  usedBy: string[];
  /** The data it holds, when not the command's: a `run --sample` data set of per-row scenarios. */
  data?: DataParams;
  /** Reload a data set a traffic run wrote to (scenarios), or keep it. */
  modified: 'reload' | 'keep';
  /** `load --fresh`: drop and load anew even when complete. */
  fresh?: boolean;
  /** `load`: a data set made with other parameters is refused (run: reloaded). */
  mismatch: 'reload' | 'refuse';
  /** `load --distribute citus`: a Citus data set is not the plain one, nor the other way round. */
  distribute?: 'citus';
}

export interface PlannedDataset {
  schema: string;
  style: EnumStyle;
  /** Its messages: the command's scale, or a `run --sample`. */
  scale: number;
  usedBy: string[];
  action: 'load' | 'resume' | 'reload' | 'reuse' | 'refused';
  /** Why that action, in words. */
  reason: string;
  /** Rows per table of the complete data set (estimated; exact for a reused one). */
  rows: Partial<Record<TableName, number>>;
  /** Bytes of the complete data set, by kind (estimated). */
  bytes: { heap: number; toast: number; indexes: number; total: number };
  /** What it holds now (0 when absent). */
  currentBytes: number;
  /** What the command adds on disk for it (0 when reused; a reload drops the old one first). */
  addBytes: number;
  seconds: number;
}

export interface PlannedScratch {
  scenario: string;
  what: string;
  bytes: number;
}

export interface Plan {
  command: 'run' | 'load';
  target: { kind: string; describe: string };
  data: DataParams;
  /** `run --sample`: the messages per-row scenarios measure instead of `data.scale`. */
  sample?: number;
  /** Scenarios of the run whose answer is per row, which `--sample` would shrink. */
  perRow?: string[];
  datasets: PlannedDataset[];
  scratch: PlannedScratch[];
  disk: {
    /** Data sets to load (they stay). */
    datasetBytes: number;
    /** The largest scenario's scratch copies (dropped when it ends). */
    scratchBytes: number;
    /** Data sets + scratch: the most the run adds at any time. */
    peakBytes: number;
    /** max_wal_size plus COPY's empty pages before VACUUM. */
    marginBytes: number;
    neededBytes: number;
    /** Free bytes where the embedded server keeps its data (embedded only). */
    freeBytes?: number;
    freeFrom?: string;
    /** The database's current size (a server pgscale did not start: its free disk is out of reach). */
    databaseBytes?: number;
  };
  /** Estimated seconds: loads, scenarios (their own work, by name), in all; scenarios never timed here are listed. */
  seconds: { loads: number; scenarios: number; total: number; byScenario: Record<string, number>; unknown: string[] };
  /** Where the figures came from. */
  sources: string[];
}

/** Where a command's plan reads and keeps its figures, resolved once from flags and env. */
export interface PlanSetting {
  calibrationPath: string;
  /** The embedded server's home (free space is read there); none for other targets. */
  dataPath?: string;
  freeBytesOverride?: number;
  server(target: Target): string;
}

/**
 * Resolve the plan's settings at the edge. PGSCALE_TEST_FREE_BYTES replaces the free
 * space read from the filesystem: for tests of the refusal only, never for real runs.
 */
export function planSetting(flags: TargetFlags, env: NodeJS.ProcessEnv, cwd: string): PlanSetting {
  const spec = resolveTargetSpec(flags, env, cwd);
  const home = resolve(flags.dataDir ?? env.PGSCALE_HOME ?? join(cwd, '.pgscale'));
  const raw = env.PGSCALE_TEST_FREE_BYTES;
  if (raw !== undefined && !/^\d+$/.test(raw)) throw new PgscaleError('USAGE', `PGSCALE_TEST_FREE_BYTES='${raw}' is not a whole number of bytes`, { hint: 'It is for tests only: unset it.' });
  return {
    calibrationPath: join(home, 'calibration.json'),
    dataPath: spec.kind === 'embedded' ? resolve(spec.home) : undefined,
    freeBytesOverride: raw !== undefined ? Number(raw) : undefined,
    // Embedded servers take another port each run: known by their data; a container is new each time.
    server: (target) => (spec.kind === 'embedded' ? `embedded:${resolve(spec.home)}` : target.kind === 'container' ? 'container' : target.describe),
  };
}

/** What building a plan needs besides the target. */
export interface PlanInput {
  command: 'run' | 'load';
  data: DataParams;
  datasets: DatasetRequest[];
  /** Scenarios to run (run), for their scratch copies and time. */
  scenarios: readonly Scenario[];
  /** `run --sample`: per-row scenarios measure this many messages. */
  sample?: number;
  calibration: Calibration;
  /** Identity of the server for timings (`embedded:<dir>`, the URL without password). */
  server: string;
  /** Where free space is read (the embedded server's home), or none for a server pgscale did not start. */
  dataPath?: string;
  /** Test-only: a free-space figure instead of the filesystem's (PGSCALE_TEST_FREE_BYTES). */
  freeBytesOverride?: number;
  jobs: number;
  schemaPrefix: string;
  log: (line: string) => void;
}

/**
 * The data sets `run` asks for: each scenario's (limited to its chosen arms; a per-row
 * scenario's at `sample` messages), then the load tests'.
 */
export function runDatasets(scenarios: readonly Scenario[], runData: DataParams, prefix: string, chosen: Readonly<Record<string, readonly string[]>>, sample?: number): DatasetRequest[] {
  const out = new Map<string, DatasetRequest>();
  const add = (schema: string, style: EnumStyle, name: string, data: DataParams) => {
    const d = out.get(schema) ?? { schema, style, usedBy: [], modified: 'reload' as const, mismatch: 'reload' as const, ...(data.scale !== runData.scale ? { data } : {}) };
    d.usedBy.push(name);
    out.set(schema, d);
  };
  for (const s of scenarios) {
    const arms = chosen[s.name];
    // A scenario whose arms are its data sets (enum-storage) loads only the chosen ones.
    const styles = (s.datasets ?? []).filter((st) => !arms || !s.variants.includes(st) || arms.includes(st));
    const { data } = scenarioData(s, runData, sample);
    for (const st of styles) add(datasetSchema(prefix, data, st), st, s.name, data);
  }
  for (const s of scenarios) {
    const { data } = scenarioData(s, runData, sample);
    for (const st of s.trafficDatasets ?? []) add(datasetSchema(`${prefix}_${TRAFFIC_SUFFIX}`, data, st), st, s.name, data);
  }
  return [...out.values()];
}

/** Share of a table's rows in `months` calendar months from the middle of the span (from the chunk plan). */
function middleShare(data: DataParams, table: TableName, months: number): number {
  const chunks = chunkPlan(data).filter((c) => c.group === TABLES[table].group);
  const from = Math.floor(data.months / 2);
  const total = chunks.reduce((a, c) => a + c.rows, 0);
  const inside = chunks.filter((c) => c.month >= from && c.month < from + months).reduce((a, c) => a + c.rows, 0);
  return total > 0 ? inside / total : 0;
}

/** Rows the data parameters fix exactly (generators/plan.ts); sessions and approvals vary with the draw. */
function exactRows(data: DataParams): Partial<Record<TableName, number>> {
  const c = deriveCounts(data);
  return { tenants: c.tenants, bots: c.tenants * c.botsPerTenant, users: c.users, message_history: c.messages, auto_tasks: c.tasks, analytics_events: c.events };
}

async function walMargin(client: pg.Client): Promise<number> {
  const r = await client.query<{ bytes: string }>(`SELECT pg_size_bytes(current_setting('max_wal_size'))::bigint AS bytes`);
  return Number(r.rows[0].bytes);
}

/** Free bytes for an unprivileged writer on the filesystem holding `path`. */
export function freeBytesAt(path: string): number {
  const s = statfsSync(path);
  return s.bavail * s.bsize;
}

/**
 * Inspect the target and build the plan. Styles never measured on this machine are
 * calibrated first (small loads into schemas dropped at once); nothing else is written.
 */
export async function buildPlan(target: Target, input: PlanInput): Promise<Plan> {
  const { data, calibration: cal } = input;
  const sources = new Set<string>();
  const styles = [...new Set([...input.datasets.map((d) => d.style), ...input.scenarios.flatMap((s) => (s.scratch ? [s.scratch.style] : []))])];
  for (const style of styles) {
    if (estimateFootprint(cal, style, data.months, data.scale)) continue;
    await calibrate(target, cal, { style, months: data.months, seed: data.seed, jobs: input.jobs, prefix: input.schemaPrefix, server: input.server, log: input.log });
  }
  const footprint = (style: EnumStyle, scale: number): Footprint => {
    const est = estimateFootprint(cal, style, data.months, scale);
    if (!est) throw new PgscaleError('INTERNAL', `no footprint for enum style ${style} after calibrating`);
    sources.add(`bytes and rows per table (${style}): fitted to this machine's loads at ${est.scales.map(scaleText).join(', ')}`);
    return est.footprint;
  };
  const loadSeconds = (style: EnumStyle, scale: number): number => {
    const own = estimateSeconds(cal, input.server, `load/${style}`, scale);
    if (own !== undefined) {
      sources.add(`load time (${style}): this server's earlier loads`);
      return own;
    }
    const other = styles.map((st) => estimateSeconds(cal, input.server, `load/${st}`, scale)).find((s) => s !== undefined);
    if (other !== undefined) {
      sources.add(`load time (${style}): this server's loads of another enum style`);
      return other;
    }
    sources.add(`load time: no load timed on this server yet — a stated default of ${DEFAULT_MESSAGES_PER_SECOND.toLocaleString('en-US')} messages/s`);
    return scale / DEFAULT_MESSAGES_PER_SECOND;
  };

  const client = await target.connect();
  try {
    const datasets: PlannedDataset[] = [];
    for (const req of input.datasets) {
      const reqData = req.data ?? data;
      const fp = footprint(req.style, reqData.scale);
      const sum = (k: 'heap' | 'toast' | 'indexes') => TABLE_NAMES.reduce((a, t) => a + fp[t][k], 0);
      const bytes = { heap: sum('heap'), toast: sum('toast'), indexes: sum('indexes'), total: TABLE_NAMES.reduce((a, t) => a + totalBytes(fp[t]), 0) };
      const info = await inspectSchema(client, req.schema);
      const currentBytes = info.exists ? await schemaBytes(client, req.schema) : 0;
      const full = loadSeconds(req.style, reqData.scale);
      const same = !!info.params && sameData(info.params, { ...reqData, enums: req.style, generatorVersion: GENERATOR_VERSION, ...(req.distribute ? { distribute: req.distribute } : {}) });
      let action: PlannedDataset['action'];
      let reason: string;
      if (info.exists && !info.owned) [action, reason] = ['refused', 'the schema exists and pgscale did not create it'];
      else if (!info.exists) [action, reason] = ['load', 'not loaded yet'];
      else if (req.fresh) [action, reason] = ['reload', '--fresh'];
      else if (!same && req.mismatch === 'refuse') [action, reason] = ['refused', 'it holds a data set made with other parameters (add --fresh)'];
      else if (!same) [action, reason] = ['reload', 'made with other parameters'];
      else if (req.modified === 'reload' && (await trafficWrites(client, req.schema)) > 0) [action, reason] = ['reload', 'a traffic run wrote to it'];
      else if (info.state === 'complete') [action, reason] = ['reuse', 'complete with these parameters'];
      else [action, reason] = ['resume', `a load stopped part-way (${info.state})`];
      const addBytes = action === 'reuse' || action === 'refused' ? 0 : Math.max(0, bytes.total - (action === 'resume' || action === 'reload' ? currentBytes : 0));
      const seconds = action === 'reuse' || action === 'refused' ? 0 : action === 'resume' ? full * Math.max(0, 1 - currentBytes / Math.max(1, bytes.total)) : full;
      // A reused data set is measured as it is; the others are what the load will make
      // (rows the chunk plan fixes are exact, the others fitted).
      const rows: Partial<Record<TableName, number>> = { ...Object.fromEntries(TABLE_NAMES.map((t) => [t, fp[t].rows])), ...exactRows(reqData) };
      if (action === 'reuse') {
        const real = await measureFootprint(client, req.schema);
        for (const t of TABLE_NAMES) rows[t] = real[t].rows;
        const sumReal = (k: 'heap' | 'toast' | 'indexes') => TABLE_NAMES.reduce((a, t) => a + real[t][k], 0);
        Object.assign(bytes, { heap: sumReal('heap'), toast: sumReal('toast'), indexes: sumReal('indexes'), total: TABLE_NAMES.reduce((a, t) => a + totalBytes(real[t]), 0) });
      }
      datasets.push({ schema: req.schema, style: req.style, scale: reqData.scale, usedBy: req.usedBy, action, reason, rows, bytes, currentBytes, addBytes, seconds });
    }

    const scratch: PlannedScratch[] = [];
    for (const s of input.scenarios) {
      if (!s.scratch) continue;
      const { table, copies, months, style } = s.scratch;
      const at = scenarioData(s, data, input.sample).data;
      const t = footprint(style, at.scale)[table];
      const share = middleShare(at, table, months);
      // The copies hold no index but the one a variant builds at a time: counted as the
      // table's own indexes, an upper bound.
      scratch.push({ scenario: s.name, what: `${copies} copies of ${months} months of ${table} (${(share * 100).toFixed(0)} % of its rows)`, bytes: Math.round(share * (copies * (t.heap + t.toast) + t.indexes)) });
    }

    let scenarioSeconds = 0;
    const unknown: string[] = [];
    const byScenario: Record<string, number> = {};
    for (const s of input.scenarios) {
      const sec = estimateSeconds(cal, input.server, `scenario/${s.name}`, scenarioData(s, data, input.sample).data.scale);
      if (sec === undefined) unknown.push(s.name);
      else scenarioSeconds += byScenario[s.name] = sec;
    }
    if (input.scenarios.length > unknown.length) sources.add('scenario time: their earlier runs on this server (loads excluded)');
    if (unknown.length > 0) sources.add(`scenario time: never run on this server, not counted: ${unknown.join(', ')}`);

    const datasetBytes = datasets.reduce((a, d) => a + d.addBytes, 0);
    const scratchBytes = Math.max(0, ...scratch.map((s) => s.bytes));
    const peakBytes = datasetBytes + scratchBytes;
    // WAL kept between checkpoints: at most max_wal_size, and never more than is written.
    const marginBytes = Math.min(await walMargin(client), peakBytes) + Math.round(COPY_SLACK * datasetBytes);
    const disk: Plan['disk'] = { datasetBytes, scratchBytes, peakBytes, marginBytes, neededBytes: peakBytes + marginBytes };
    if (input.dataPath !== undefined) {
      disk.freeBytes = input.freeBytesOverride ?? freeBytesAt(input.dataPath);
      disk.freeFrom = input.freeBytesOverride !== undefined ? 'PGSCALE_TEST_FREE_BYTES (test-only)' : input.dataPath;
    } else {
      disk.databaseBytes = Number((await client.query<{ bytes: string }>('SELECT pg_database_size(current_database())::bigint AS bytes')).rows[0].bytes);
    }
    const loads = datasets.reduce((a, d) => a + d.seconds, 0);
    return {
      command: input.command,
      target: { kind: target.kind, describe: target.describe },
      data,
      ...(input.sample !== undefined && input.sample < data.scale ? { sample: input.sample } : {}),
      ...(input.command === 'run' ? { perRow: input.scenarios.filter((s) => s.perRow).map((s) => s.name) } : {}),
      datasets,
      scratch,
      disk,
      seconds: { loads, scenarios: scenarioSeconds, total: loads + scenarioSeconds, byScenario, unknown },
      sources: [...sources],
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Refuse a plan the embedded server's filesystem cannot hold (with its margin), naming
 * needed and free bytes and what would fit. A server pgscale did not start is not checked.
 */
export function checkFreeSpace(plan: Plan, opts: { force: boolean; log: (line: string) => void }): void {
  const { freeBytes, neededBytes } = plan.disk;
  if (freeBytes === undefined || neededBytes <= freeBytes) return;
  const message = `the plan needs ${bytesText(neededBytes)} (${bytesText(plan.disk.peakBytes)} of data at its peak + ${bytesText(plan.disk.marginBytes)} for WAL and COPY's empty pages) but only ${bytesText(freeBytes)} is free (${plan.disk.freeFrom})`;
  if (opts.force) {
    opts.log(`plan: ${message} — going on (--force)`);
    return;
  }
  const ratio = Math.max(0, freeBytes - plan.disk.marginBytes) / Math.max(1, plan.disk.peakBytes);
  const fits = Math.floor(plan.data.scale * ratio);
  const loading = plan.datasets.filter((d) => d.addBytes > 0);
  const suggestions = [
    fits >= 1000 ? `a smaller --scale (about ${scaleText(roundDown(fits))} fits)` : 'free some space',
    ...(plan.command === 'run' && loading.length > 1 ? [`fewer arms or scenarios (--variants, or name the scenarios): ${loading.length} data sets would be loaded`] : []),
    ...(plan.sample === undefined && (plan.perRow ?? []).length > 0 ? [`--sample N: ${plan.perRow!.join(', ')} measure per-row sizes on N messages and project them to the scale`] : []),
    `another --data-dir on a larger disk, or --force to try anyway`,
  ];
  throw new PgscaleError('DISK_FULL', `not enough disk: ${message}; nothing was written`, { hint: `Try ${suggestions.join('; ')}.` });
}

function roundDown(n: number): number {
  const p = 10 ** Math.floor(Math.log10(n));
  return Math.floor(n / p) * p;
}

/** `300000` → `300k`. */
export function scaleText(n: number): string {
  for (const [div, unit] of [[1e9, 'b'], [1e6, 'm'], [1e3, 'k']] as const) if (n >= div) return `${Number((n / div).toFixed(1))}${unit}`;
  return String(n);
}

/** Bytes in binary units, one decimal. */
export function bytesText(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = b;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Seconds as `45 s`, `12 min`, `3.5 h`. */
export function durationText(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** The plan for people: one block of lines. */
export function describePlan(plan: Plan): string {
  const sample = plan.sample !== undefined ? `; per-row scenarios on a ${scaleText(plan.sample)} sample (--sample)` : '';
  const lines = [`plan: ${plan.command} at scale ${scaleText(plan.data.scale)} (seed ${plan.data.seed}, ${plan.data.months} months${sample}) on ${plan.target.describe}`];
  for (const d of plan.datasets) {
    const head = `  ${d.action.padEnd(7)} ${d.schema} (${d.style}; for ${d.usedBy.join(', ')}): ${d.reason}`;
    lines.push(head);
    const b = d.bytes;
    lines.push(`          ${bytesText(b.total)} on disk (heap ${bytesText(b.heap)}, indexes ${bytesText(b.indexes)}, TOAST ${bytesText(b.toast)})${d.action === 'reuse' || d.action === 'refused' ? '' : `, adds ${bytesText(d.addBytes)}, about ${durationText(d.seconds)}`}`);
    lines.push(`          rows: ${TABLE_NAMES.map((t) => `${t} ${scaleText(d.rows[t] ?? 0)}`).join(', ')}`);
  }
  for (const s of plan.scratch) lines.push(`  scratch ${s.scenario}: ${s.what}, about ${bytesText(s.bytes)}, dropped when it ends`);
  const k = plan.disk;
  lines.push(`  disk: peak ${bytesText(k.peakBytes)} added (data sets ${bytesText(k.datasetBytes)} + scratch ${bytesText(k.scratchBytes)}), ${bytesText(k.neededBytes)} with the margin for WAL`);
  if (k.freeBytes !== undefined) lines.push(`        free: ${bytesText(k.freeBytes)} (${k.freeFrom})${k.neededBytes > k.freeBytes ? ' — NOT ENOUGH' : ''}`);
  if (k.databaseBytes !== undefined) lines.push(`        the database holds ${bytesText(k.databaseBytes)} now; a server pgscale did not start: its free disk is not checked`);
  const t = plan.seconds;
  lines.push(`  time: about ${durationText(t.total)} (loads ${durationText(t.loads)}${plan.command === 'run' ? `, scenarios ${durationText(t.scenarios)}${t.unknown.length ? ` + ${t.unknown.join(', ')} never timed here` : ''}` : ''})`);
  for (const s of plan.sources) lines.push(`  from: ${s}`);
  return lines.join('\n');
}
