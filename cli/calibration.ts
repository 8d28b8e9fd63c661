/**
 * This machine's measured figures, kept in `<home>/calibration.json` (home: --data-dir,
 * $PGSCALE_HOME or ./.pgscale): the footprint of every data set pgscale loaded, by enum
 * style, months and generator version, at each scale measured; and, per server, how long
 * loads and scenarios took. Plans scale these to the size asked for; when a style was
 * never measured, a calibration load at two small scales measures it.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { type Footprint, measureFootprint } from '../db/footprint.ts';
import { type LoadSummary, load } from '../db/load.ts';
import { dropOwnedSchema } from '../db/schema.ts';
import type { Target } from '../db/target.ts';
import type { EnumStyle } from '../generators/enums.ts';
import { GENERATOR_VERSION, TABLE_NAMES } from '../generators/index.ts';
import { writeFileAtomic } from './output.ts';

/**
 * Scales of a calibration load. Two sizes, so a line through them separates what grows
 * with the rows from what each of the monthly partitions costs empty (measured: a straight
 * line through 10k and 30k predicted a 100k data set's bytes within 0.5 %).
 */
export const CALIBRATION_SCALES = [10_000, 50_000] as const;
/** Timings kept per server and what they time (the newest win). */
const KEEP_TIMINGS = 12;

const TableBytes = z.object({ rows: z.number(), heap: z.number(), toast: z.number(), indexes: z.number() });
const Timing = z.object({ scale: z.number(), seconds: z.number(), at: z.string() });
const CalibrationFile = z.object({
  version: z.literal(1),
  /** `<style>/m<months>/g<generator version>` → footprints measured at several scales. */
  footprints: z.record(z.string(), z.array(z.object({ scale: z.number(), tables: z.record(z.string(), TableBytes), at: z.string() }))).default({}),
  /** Server → `load/<style>` or `scenario/<name>` → timings. */
  timings: z.record(z.string(), z.record(z.string(), z.array(Timing))).default({}),
});
export type Calibration = z.infer<typeof CalibrationFile>;
export type Timing = z.infer<typeof Timing>;

/** Read the calibration file (an empty one when there is none yet). */
export function readCalibration(path: string): Calibration {
  if (!existsSync(path)) return { version: 1, footprints: {}, timings: {} };
  const parsed = CalibrationFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  // A file from another pgscale version is only a cache of measurements: start over.
  return parsed.success ? parsed.data : { version: 1, footprints: {}, timings: {} };
}

export function writeCalibration(path: string, cal: Calibration): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, `${JSON.stringify(cal, null, 1)}\n`);
}

/** The key footprints are kept under: what changes bytes per row besides the scale. */
export function footprintKey(style: EnumStyle, months: number): string {
  return `${style}/m${months}/g${GENERATOR_VERSION}`;
}

/** Record a data set's measured footprint at its scale (replacing an earlier one at the same scale). */
export function recordFootprint(cal: Calibration, style: EnumStyle, months: number, scale: number, fp: Footprint): void {
  const key = footprintKey(style, months);
  const list = (cal.footprints[key] ?? []).filter((p) => p.scale !== scale);
  list.push({ scale, tables: fp, at: new Date().toISOString() });
  cal.footprints[key] = list.sort((a, b) => a.scale - b.scale);
}

/** Record how long something took on a server (`load/<style>` or `scenario/<name>`). */
export function recordTiming(cal: Calibration, server: string, what: string, scale: number, seconds: number): void {
  const byServer = (cal.timings[server] ??= {});
  byServer[what] = [...(byServer[what] ?? []), { scale, seconds, at: new Date().toISOString() }].slice(-KEEP_TIMINGS);
}

/**
 * y at x from measured (x, y) points: the straight line through the two measured x
 * nearest to x (on a log scale, so 100m is nearer 1m than 10k), or proportional to the
 * one point there is. Never below zero; a line falling with x (noise) is read as flat.
 */
export function fitAt(points: ReadonlyArray<{ x: number; y: number }>, x: number): number | undefined {
  const byX = new Map<number, number[]>();
  for (const p of points) byX.set(p.x, [...(byX.get(p.x) ?? []), p.y]);
  const merged = [...byX].map(([px, ys]) => ({ x: px, y: ys.reduce((a, b) => a + b, 0) / ys.length }));
  if (merged.length === 0) return undefined;
  if (merged.length === 1) return merged[0].x > 0 ? Math.max(0, (merged[0].y * x) / merged[0].x) : merged[0].y;
  const near = merged.sort((a, b) => Math.abs(Math.log(a.x / x)) - Math.abs(Math.log(b.x / x))).slice(0, 2).sort((a, b) => a.x - b.x);
  const [a, b] = near;
  const slope = Math.max(0, (b.y - a.y) / (b.x - a.x));
  return Math.max(0, a.y + slope * (x - a.x));
}

/** The footprint at `scale`, fitted table by table and kind by kind; undefined when never measured. */
export function estimateFootprint(cal: Calibration, style: EnumStyle, months: number, scale: number): { footprint: Footprint; scales: number[] } | undefined {
  const points = cal.footprints[footprintKey(style, months)] ?? [];
  if (points.length === 0) return undefined;
  const fp = {} as Footprint;
  for (const t of TABLE_NAMES) {
    const at = (k: 'rows' | 'heap' | 'toast' | 'indexes') => Math.round(fitAt(points.map((p) => ({ x: p.scale, y: p.tables[t]?.[k] ?? 0 })), scale) ?? 0);
    fp[t] = { rows: at('rows'), heap: at('heap'), toast: at('toast'), indexes: at('indexes') };
  }
  return { footprint: fp, scales: points.map((p) => p.scale) };
}

/**
 * Seconds something takes at `scale` on this server: proportional to its timing at the
 * nearest measured scale (the newest there). Not a line through two: small loads are
 * mostly fixed costs, and a line through 10k and 50k put a 1m load at 8 s when it took
 * 77 s; per message, the 50k load's rate said 48 s. Undefined when never timed here.
 */
export function estimateSeconds(cal: Calibration, server: string, what: string, scale: number): number | undefined {
  const list = cal.timings[server]?.[what] ?? [];
  if (list.length === 0) return undefined;
  const nearest = [...list].reverse().reduce((best, t) => (Math.abs(Math.log(t.scale / scale)) < Math.abs(Math.log(best.scale / scale)) ? t : best));
  return (nearest.seconds * scale) / nearest.scale;
}

/** After a load: its footprint, and its time when it loaded the whole data set in one go. */
export async function recordLoad(target: Target, cal: Calibration, server: string, summary: LoadSummary): Promise<void> {
  if (summary.reused) return;
  const { enums, months, scale } = summary.params;
  const client = await target.connect();
  try {
    recordFootprint(cal, enums, months, scale, await measureFootprint(client, summary.schema));
  } finally {
    await client.end().catch(() => undefined);
  }
  if (summary.resumedChunks === 0) recordTiming(cal, server, `load/${enums}`, scale, summary.seconds.total);
}

/**
 * Measure a style's footprint with calibration loads at CALIBRATION_SCALES into schemas
 * of pgscale's own (`<prefix>_calibrate_<scale>_<style>_p<pid>`), dropped again at once;
 * the figures (and the loads' times) go into `cal`. The pid keeps two commands that plan
 * at the same moment out of each other's calibration schema (one would drop it under the
 * other's load); both then write the calibration file, atomically, with the same figures.
 */
export async function calibrate(target: Target, cal: Calibration, opts: { style: EnumStyle; months: number; seed: number; jobs: number; prefix: string; server: string; log: (line: string) => void }): Promise<void> {
  for (const scale of CALIBRATION_SCALES) {
    const schema = `${opts.prefix}_calibrate_${scale / 1000}k_${opts.style}_p${process.pid}`;
    opts.log(`plan: calibrating ${opts.style} — a ${scale / 1000}k load into ${schema}, dropped after`);
    const summary = await load(target, { schema, data: { scale, seed: opts.seed, months: opts.months }, enums: opts.style, jobs: opts.jobs, fresh: true });
    const client = await target.connect();
    try {
      recordFootprint(cal, opts.style, opts.months, scale, await measureFootprint(client, schema));
      recordTiming(cal, opts.server, `load/${opts.style}`, scale, summary.seconds.total);
    } finally {
      await dropOwnedSchema(client, schema).finally(() => client.end());
    }
  }
}
