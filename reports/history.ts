/**
 * Nightly history: order a series of results documents, follow every metric across it,
 * and find change points with Pettitt's rank test applied by binary segmentation (find
 * the strongest single change, keep it when significant and big enough, recurse into
 * both halves). Rank-based, so a single outlier night neither creates nor hides one.
 */
import { extractMetrics, type Metric, metricDeclarations } from './metrics.ts';
import type { Results } from './schema.ts';
import { median, pettitt } from './stats.ts';
import { DEFAULT_GATE_CONFIG, thresholdFor, type GateConfig } from './thresholds.ts';

export interface TrendPoint {
  /** Position in the series (0 = oldest). */
  run: number;
  /** When the run started, or its git sha when no time was recorded. */
  label: string;
  value: number;
}

export interface TrendChange {
  /** Index of the first run after the change. */
  run: number;
  /** Median of the segment before and after the change. */
  before: number;
  after: number;
  /** after / before - 1. */
  change: number;
  pValue: number;
  /** Whether the change went the bad way for this metric. */
  worse: boolean;
}

export interface Trend extends Pick<Metric, 'id' | 'scenario' | 'variant' | 'kind' | 'label' | 'unit' | 'direction'> {
  points: TrendPoint[];
  changes: TrendChange[];
}

export interface TrendOptions {
  /**
   * Significance level of each change-point test. @default 0.05 — Pettitt's p-value
   * approximation is conservative for short series (13 nights with a clean shift after
   * the 8th give p ≈ 0.035), and a change point only informs: it never fails the gate.
   */
  alpha?: number;
  /** Fewest runs on each side of a change point. @default 3 */
  minSegment?: number;
  /** Thresholds: a change smaller than the metric's minimum effect is ignored. @default DEFAULT_GATE_CONFIG */
  config?: GateConfig;
}

function runLabel(r: Results): string {
  return r.startedAt ?? r.tool.gitSha.slice(0, 10);
}

/** Oldest first, by startedAt (runs without one keep their given order, first). */
export function sortHistory(runs: readonly Results[]): Results[] {
  return runs
    .map((r, i) => ({ r, i }))
    .sort((x, y) => {
      const a = x.r.startedAt ?? '';
      const b = y.r.startedAt ?? '';
      return a < b ? -1 : a > b ? 1 : x.i - y.i;
    })
    .map(({ r }) => r);
}

/** Same run twice (e.g. the baseline is also in the history folder)? */
export function sameRun(a: Results, b: Results): boolean {
  return a.startedAt !== undefined && a.startedAt === b.startedAt && a.tool.gitSha === b.tool.gitSha;
}

function segmentChanges(values: number[], offset: number, opts: Required<Pick<TrendOptions, 'alpha' | 'minSegment'>>, minEffect: number, direction: Metric['direction'], out: TrendChange[]): void {
  if (values.length < 2 * opts.minSegment || out.length >= 8) return;
  const cp = pettitt(values);
  if (!cp || cp.pValue >= opts.alpha) return;
  if (cp.index < opts.minSegment || values.length - cp.index < opts.minSegment) return;
  const left = values.slice(0, cp.index);
  const right = values.slice(cp.index);
  const before = median(left);
  const after = median(right);
  const change = before === 0 ? (after === 0 ? 0 : Infinity) : after / before - 1;
  if (Math.abs(change) < minEffect) return;
  out.push({
    run: offset + cp.index,
    before,
    after,
    change,
    pValue: cp.pValue,
    worse: direction === 'smaller' ? change > 0 : direction === 'bigger' ? change < 0 : false,
  });
  segmentChanges(left, offset, opts, minEffect, direction, out);
  segmentChanges(right, offset + cp.index, opts, minEffect, direction, out);
}

/** Change points of one series of values (oldest first). */
export function detectChanges(values: number[], direction: Metric['direction'], minEffect: number, opts: TrendOptions = {}): TrendChange[] {
  const out: TrendChange[] = [];
  segmentChanges(values, 0, { alpha: opts.alpha ?? 0.05, minSegment: opts.minSegment ?? 3 }, minEffect, direction, out);
  return out.sort((a, b) => a.run - b.run);
}

/** Every metric followed across the runs (sorted oldest first), with its change points. */
export function buildTrends(runs: readonly Results[], opts: TrendOptions = {}): Trend[] {
  const series = sortHistory(runs);
  const config = opts.config ?? DEFAULT_GATE_CONFIG;
  // The newest run's declarations for an older run that recorded none.
  const declarations = metricDeclarations([...series].reverse());
  const byId = new Map<string, Trend>();
  series.forEach((r, run) => {
    for (const m of extractMetrics(r, declarations)) {
      let t = byId.get(m.id);
      if (!t) {
        t = { id: m.id, scenario: m.scenario, variant: m.variant, kind: m.kind, label: m.label, unit: m.unit, direction: m.direction, points: [], changes: [] };
        byId.set(m.id, t);
      }
      if (Number.isFinite(m.value)) t.points.push({ run, label: runLabel(r), value: m.value });
    }
  });
  const trends = [...byId.values()];
  for (const t of trends) {
    t.changes = detectChanges(
      t.points.map((p) => p.value),
      t.direction,
      thresholdFor(config, t).relative,
      opts,
    ).map((c) => ({ ...c, run: t.points[c.run].run }));
  }
  return trends;
}
