/**
 * The gate's thresholds: per metric kind defaults, overridable per metric id glob, from
 * `--threshold` (e.g. `latency=10%,size=2%:16KiB,n-plus-one/*=20%`) and a JSON config
 * file. Resolved once at the edge into a frozen GateConfig.
 */
import { z } from 'zod';
import { PgscaleError } from '../core/errors.ts';
import { METRIC_KINDS, type Metric, type MetricKind } from './metrics.ts';

export interface Threshold {
  /** Smallest relative change that counts (0.1 = 10 %): the minimum effect size. */
  relative: number;
  /** Noise floor in the metric's own unit (ms, bytes …): smaller absolute changes are "unchanged". */
  absolute: number;
  /**
   * With a single baseline: the relative change beyond which a significant change is a
   * verdict; between `relative` and this it is "inconclusive" (a query's own run-to-run
   * drift cannot be told from a change without history). Unset: `relative`.
   */
  certain?: number;
}

export interface GateConfig {
  /** Significance level of the statistical tests. @default 0.01 */
  alpha: number;
  /** Bootstrap rounds for the median-ratio interval. @default 1000 */
  bootstrapIterations: number;
  /** Seed of the bootstrap PRNG. @default 1 */
  seed: number;
  /**
   * Run-to-run drift assumed when there is no history to measure it: the standard
   * deviation of a whole run's log latencies from one run to the next (0.05 ≈ ±5 %, what
   * a shared 2-core CI runner shows). Samples from one run cannot see it, so without
   * --history the minimum effect of noisy metrics is at least 3·√2 times it (≈ 24 %).
   * Set it to 0 on a quiet, dedicated machine. @default 0.05
   */
  runDrift: number;
  /** Per-kind defaults. */
  kinds: Record<MetricKind, Threshold>;
  /** Overrides by metric id glob (`*` matches anything); the last match wins. */
  overrides: Array<{ pattern: string; threshold: Partial<Threshold> }>;
}

/**
 * Defaults, and why: latency 10 % and 0.05 ms (below a twentieth of a millisecond the
 * client and scheduler dominate); sizes 1 % and two 8 KiB pages (fresh loads of the
 * same data differ at most by a page of free space); counts within 0.5 % (exact for
 * statement and round-trip counts below 200, a little slack for bytes on the wire); single-shot
 * timings have no samples, so they need a larger change (25 %) to be noted at all.
 */
export const DEFAULT_GATE_CONFIG: GateConfig = Object.freeze({
  alpha: 0.01,
  bootstrapIterations: 1000,
  seed: 1,
  runDrift: 0.05,
  kinds: {
    latency: { relative: 0.1, absolute: 0.05 },
    throughput: { relative: 0.1, absolute: 0 },
    size: { relative: 0.01, absolute: 16384 },
    count: { relative: 0.005, absolute: 0 },
    timing: { relative: 0.25, absolute: 0 },
    info: { relative: 0.01, absolute: 0 },
  },
  overrides: [],
});

const UNIT_FACTORS: Record<string, number> = { '': 1, ms: 1, s: 1000, us: 0.001, b: 1, kb: 1000, kib: 1024, mb: 1e6, mib: 1048576, gb: 1e9, gib: 1073741824 };

function usage(message: string): PgscaleError {
  return new PgscaleError('USAGE', message, {
    hint: 'Write thresholds as KEY=REL[:ABS], KEY a metric kind (latency, throughput, size, count, timing, info) or a metric id glob, or alpha=P / runDrift=REL, e.g. --threshold latency=10%:0.05ms,size=2%:16KiB,runDrift=2%',
  });
}

/** `10%` → 0.1, `0.1` → 0.1. */
function parseRelative(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(text.trim());
  if (!m) throw usage(`threshold "${text}" is not a number or a percentage`);
  const v = Number(m[1]);
  return m[2] ? v / 100 : v;
}

/** `0.05ms` → 0.05, `16KiB` → 16384, `2` → 2. */
function parseAbsolute(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const factor = m ? UNIT_FACTORS[m[2].toLowerCase()] : undefined;
  if (!m || factor === undefined) throw usage(`noise floor "${text}" is not a number with a unit (ms, s, B, KiB, MiB …)`);
  return Number(m[1]) * factor;
}

function isKind(key: string): key is MetricKind {
  return (METRIC_KINDS as readonly string[]).includes(key);
}

/** Apply `--threshold` text on top of a config; returns a new config. */
export function applyThresholdFlag(config: GateConfig, flag: string): GateConfig {
  const next: GateConfig = { ...config, kinds: { ...config.kinds }, overrides: [...config.overrides] };
  for (const part of flag.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    if (eq <= 0) throw usage(`threshold "${part}" has no KEY=VALUE`);
    const key = part.slice(0, eq).trim();
    const [rel, abs] = part.slice(eq + 1).split(':');
    if (key === 'alpha') {
      next.alpha = parseRelative(rel);
      continue;
    }
    if (key === 'runDrift') {
      next.runDrift = parseRelative(rel);
      continue;
    }
    const t: Partial<Threshold> = { relative: parseRelative(rel) };
    if (abs !== undefined) t.absolute = parseAbsolute(abs);
    if (isKind(key)) next.kinds[key] = { ...next.kinds[key], ...t };
    else next.overrides.push({ pattern: key, threshold: t });
  }
  return next;
}

const ThresholdJson = z.object({ relative: z.number().nonnegative().optional(), absolute: z.number().nonnegative().optional() }).strict();

/** The JSON config file (`--config FILE`): every field optional. */
export const GateConfigFile = z
  .object({
    alpha: z.number().positive().max(0.5).optional(),
    bootstrapIterations: z.number().int().min(100).optional(),
    seed: z.number().int().optional(),
    runDrift: z.number().nonnegative().max(1).optional(),
    thresholds: z.record(z.string(), ThresholdJson).optional(),
  })
  .strict();
export type GateConfigFile = z.infer<typeof GateConfigFile>;

/** Merge a parsed config file over a config; `thresholds` keys are kinds or id globs. */
export function applyConfigFile(config: GateConfig, doc: unknown, source = 'config file'): GateConfig {
  const parsed = GateConfigFile.safeParse(doc);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new PgscaleError('UNUSABLE_INPUT', `${source} is not a valid gate config: ${why}`, {
      hint: 'Expected e.g. {"alpha":0.01,"thresholds":{"latency":{"relative":0.1,"absolute":0.05},"size":{"relative":0.02}}}',
    });
  }
  const f = parsed.data;
  const next: GateConfig = {
    alpha: f.alpha ?? config.alpha,
    bootstrapIterations: f.bootstrapIterations ?? config.bootstrapIterations,
    seed: f.seed ?? config.seed,
    runDrift: f.runDrift ?? config.runDrift,
    kinds: { ...config.kinds },
    overrides: [...config.overrides],
  };
  for (const [key, t] of Object.entries(f.thresholds ?? {})) {
    if (isKind(key)) next.kinds[key] = { ...next.kinds[key], ...t };
    else next.overrides.push({ pattern: key, threshold: t });
  }
  return next;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}

/** The threshold that applies to one metric: its kind's default, then matching overrides in order. */
export function thresholdFor(config: GateConfig, metric: Pick<Metric, 'id' | 'kind'>): Threshold {
  let t: Threshold = { ...config.kinds[metric.kind] };
  for (const o of config.overrides) {
    if (globToRegExp(o.pattern).test(metric.id)) t = { ...t, ...o.threshold };
  }
  return t;
}
