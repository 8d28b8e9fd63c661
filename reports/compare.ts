/**
 * The regression gate: compares a current run with a baseline metric by metric and
 * returns verdicts with how sure it is. Pure: it reads two results documents (and an
 * optional nightly history) and returns data; the CLI prints it and sets the exit code.
 *
 * - sizes and counts are deterministic for the same data: compared exactly, within a
 *   small tolerance (relative or absolute, whichever is larger);
 * - latencies with raw samples: Mann–Whitney U test (p-values Holm-adjusted over all
 *   tested metrics of the run) plus a seeded bootstrap confidence interval of the median
 *   ratio; a change is regressed/improved only when it is significant (adjusted p <
 *   alpha and the interval excludes 1) AND at least the minimum effect AND above the
 *   noise floor; small changes are unchanged; big but unproven ones are inconclusive;
 * - informational metrics (`gated: false`: noisy, derived from gated ones, or read from
 *   an earlier run) are listed with their change and never judged;
 * - single values with no samples (throughput, build times): judged against the nightly
 *   history when given (robust z-score against the prior runs), else unchanged within
 *   the threshold and inconclusive beyond it: one value per run cannot tell noise from
 *   change.
 */
import { assertComparable } from './fingerprint.ts';
import { formatChange, formatP } from './format.ts';
import { buildTrends, sameRun, sortHistory, type Trend } from './history.ts';
import { extractMetrics, type Metric } from './metrics.ts';
import type { Results } from './schema.ts';
import { bootstrapMedianRatio, holmAdjust, mannWhitneyU, median, normalCdf, robustSigma } from './stats.ts';
import { DEFAULT_GATE_CONFIG, thresholdFor, type GateConfig, type Threshold } from './thresholds.ts';

export type Verdict = 'improved' | 'unchanged' | 'regressed' | 'inconclusive';
export const VERDICTS: readonly Verdict[] = ['regressed', 'inconclusive', 'improved', 'unchanged'];

export type Method = 'rank-test' | 'exact' | 'single-value' | 'history' | 'missing' | 'status' | 'informational';

export interface MetricComparison extends Pick<Metric, 'id' | 'scenario' | 'variant' | 'kind' | 'label' | 'unit' | 'direction' | 'gated'> {
  baseline?: number;
  current?: number;
  /** current / baseline - 1. */
  change?: number;
  /** Confidence interval of the relative change (bootstrap of the median ratio, minus 1). */
  ci?: { lower: number; upper: number };
  pValue?: number;
  /** How sure the verdict is, 0..1 (1 - p for tested changes, 1 for exact comparisons). */
  confidence?: number;
  method: Method;
  /** The threshold applied (after widening by the history's run-to-run noise). */
  threshold?: Threshold;
  verdict: Verdict;
  /** One sentence: why this verdict. */
  reason: string;
}

export interface Comparison {
  baseline: { gitSha: string; startedAt?: string };
  current: { gitSha: string; startedAt?: string };
  warnings: string[];
  /** Significance level used (intervals are 1 - alpha). */
  alpha: number;
  metrics: MetricComparison[];
  counts: Record<Verdict, number>;
  /** True when any metric regressed: the CLI exits 1. */
  regressed: boolean;
  /** Per-metric series and change points when a history was given. */
  trends?: Trend[];
}

export interface CompareOptions {
  /** @default DEFAULT_GATE_CONFIG */
  config?: GateConfig;
  /** Earlier nightly results (any order); the baseline and current are added if missing. */
  history?: readonly Results[];
  /** Skip the like-with-like check (only for renderers that show deltas anyway). @default false */
  skipFingerprint?: boolean;
}

/** Fewest earlier runs before the history judges a single-value metric or widens a threshold. */
const MIN_HISTORY = 5;

/** FNV-1a: a per-metric bootstrap seed, so metrics use different but fixed streams. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function relChange(a: number, b: number): number {
  if (a === 0) return b === 0 ? 0 : Infinity;
  return b / a - 1;
}

function directional(m: Metric, change: number): Verdict {
  if (m.direction === 'none') return 'inconclusive';
  const worse = m.direction === 'smaller' ? change > 0 : change < 0;
  return worse ? 'regressed' : 'improved';
}

function withinThreshold(t: Threshold, a: number, b: number): boolean {
  return Math.abs(b - a) <= t.absolute || Math.abs(relChange(a, b)) <= t.relative;
}

type Judgement = Pick<MetricComparison, 'verdict' | 'reason' | 'method' | 'confidence' | 'pValue' | 'ci' | 'change'>;

function judgeExact(m: Metric, a: number, b: number, t: Threshold): Judgement {
  const change = relChange(a, b);
  const tolerance = Math.max(t.absolute, t.relative * Math.abs(a));
  if (Math.abs(b - a) <= tolerance) {
    return { change, method: 'exact', confidence: 1, verdict: 'unchanged', reason: `within tolerance (${pct(t.relative)} or ${t.absolute} ${m.unit})` };
  }
  const verdict = directional(m, change);
  return { change, method: 'exact', confidence: 1, verdict, reason: verdict === 'inconclusive' ? 'changed; no better direction' : 'deterministic value changed beyond tolerance' };
}

/** What the rank test and the bootstrap said, before the family-wide p adjustment. */
interface SampleEvidence {
  change: number;
  ci: { lower: number; upper: number };
  rawPValue: number;
  absDiff: number;
  fractionInBand?: number;
}

function sampleEvidence(m: Metric, a: readonly number[], b: readonly number[], t: Threshold, config: GateConfig): SampleEvidence {
  const test = mannWhitneyU(a, b);
  const boot = bootstrapMedianRatio(a, b, {
    iterations: config.bootstrapIterations,
    seed: (config.seed ^ hash(m.id)) >>> 0,
    confidence: 1 - config.alpha,
    band: [1 - t.relative, 1 + t.relative],
  });
  return {
    change: boot.ratio - 1,
    ci: { lower: boot.lower - 1, upper: boot.upper - 1 },
    rawPValue: test.pValue,
    absDiff: Math.abs(median(b) - median(a)),
    fractionInBand: boot.fractionInBand,
  };
}

/**
 * Verdict from the evidence and the Holm-adjusted p-value. For "unchanged", confidence
 * is the bootstrap share of median ratios inside ±minimum effect.
 */
function decideSamples(m: Metric, e: SampleEvidence, pValue: number, t: Threshold, alpha: number): Judgement {
  const common = { change: e.change, ci: e.ci, pValue, method: 'rank-test' as const };
  if (e.absDiff < t.absolute) return { ...common, confidence: 1, verdict: 'unchanged', reason: `difference under the noise floor (${t.absolute} ${m.unit})` };
  if (Math.abs(e.change) < t.relative) return { ...common, confidence: e.fractionInBand, verdict: 'unchanged', reason: `change under the minimum effect (${pct(t.relative)})` };
  const significant = pValue < alpha && (e.ci.lower > 0 || e.ci.upper < 0);
  if (!significant) {
    return { ...common, confidence: 1 - pValue, verdict: 'inconclusive', reason: `not significant (adjusted p=${formatP(pValue)}, alpha ${alpha})` };
  }
  return { ...common, confidence: 1 - pValue, verdict: directional(m, e.change), reason: `significant (adjusted p=${formatP(pValue)}) and over ${pct(t.relative)}` };
}

function judgeAgainstHistory(m: Metric, prior: number[], b: number, t: Threshold, config: GateConfig): Judgement {
  const center = median(prior);
  const change = relChange(center, b);
  if (withinThreshold(t, center, b)) {
    return { change, method: 'history', verdict: 'unchanged', reason: `within ${pct(t.relative)} of the median of ${prior.length} earlier runs` };
  }
  const sigma = robustSigma(prior);
  const z = sigma > 0 ? (b - center) / sigma : Math.sign(b - center) * Infinity;
  const pValue = 2 * (1 - normalCdf(Math.abs(z)));
  if (pValue >= config.alpha) {
    return { change, pValue, confidence: 1 - pValue, method: 'history', verdict: 'inconclusive', reason: `within the spread of ${prior.length} earlier runs (robust z=${z.toFixed(1)})` };
  }
  return { change, pValue, confidence: 1 - pValue, method: 'history', verdict: directional(m, change), reason: `outside the spread of ${prior.length} earlier runs (robust z=${z.toFixed(1)})` };
}

function judgeSingle(m: Metric, a: number, b: number, t: Threshold): Judgement {
  const change = relChange(a, b);
  if (withinThreshold(t, a, b)) return { change, method: 'single-value', verdict: 'unchanged', reason: `within ${pct(t.relative)}` };
  return { change, method: 'single-value', verdict: 'inconclusive', reason: 'one value per run cannot tell noise from change: keep raw samples or pass --history' };
}

/**
 * The metric's threshold, widened on noisy runners: with enough history, the minimum
 * effect becomes at least 3 standard deviations of the difference of two runs
 * (3·√2·σ, σ the robust spread of the metric's log values across earlier nights), so
 * the gate does not alarm on changes the machine makes by itself.
 */
export function effectiveThreshold(config: GateConfig, metric: Metric, prior: readonly number[] | undefined): Threshold {
  const t = thresholdFor(config, metric);
  if (!prior || prior.length < MIN_HISTORY || (metric.kind !== 'latency' && metric.kind !== 'throughput' && metric.kind !== 'timing')) return t;
  const logs = prior.filter((v) => v > 0).map(Math.log);
  if (logs.length < MIN_HISTORY) return t;
  const noise = 3 * Math.SQRT2 * robustSigma(logs);
  return { ...t, relative: Math.max(t.relative, Math.expm1(noise)) };
}

/**
 * An informational metric (noisy, derived from gated ones, or read from an earlier run)
 * is listed with its change but never judged: it cannot regress, improve or be
 * inconclusive, so it neither fails the gate nor adds noise to its counts.
 */
function judgeInformational(a: number, b: number): Judgement {
  const change = relChange(a, b);
  return { change, method: 'informational', verdict: 'unchanged', reason: `informational, not judged${a === b ? '' : ` (moved ${formatChange(change)})`}` };
}

/** A verdict now, or sample evidence that waits for the family-wide p adjustment. */
function judge(base: Metric, cur: Metric, t: Threshold, config: GateConfig, prior: number[] | undefined): Judgement | SampleEvidence {
  if (!cur.gated || !base.gated) return judgeInformational(base.value, cur.value);
  if (cur.kind === 'size' || cur.kind === 'count' || cur.kind === 'info') return judgeExact(cur, base.value, cur.value, t);
  if (base.samples && cur.samples) return sampleEvidence(cur, base.samples, cur.samples, t, config);
  if (prior && prior.length >= MIN_HISTORY) return judgeAgainstHistory(cur, prior, cur.value, t, config);
  return judgeSingle(cur, base.value, cur.value, t);
}

function statusComparisons(baseline: Results, current: Results): MetricComparison[] {
  const out: MetricComparison[] = [];
  const baseStatus = new Map(baseline.scenarios.map((s) => [s.name, s.status]));
  for (const s of current.scenarios) {
    const before = baseStatus.get(s.name);
    if (s.status === 'ok' && before !== 'errored') continue;
    const common = { id: `${s.name}/-/status`, scenario: s.name, variant: '-', kind: 'info' as const, label: 'status', unit: '' as const, direction: 'none' as const, gated: true, method: 'status' as const };
    if (s.status === 'errored' && before === 'ok') {
      out.push({ ...common, confidence: 1, verdict: 'regressed', reason: `scenario errored: ${s.error?.message ?? 'no message'}` });
    } else if (s.status === 'errored') {
      out.push({ ...common, verdict: 'inconclusive', reason: `errored in both runs: ${s.error?.message ?? 'no message'}` });
    } else {
      out.push({ ...common, verdict: 'inconclusive', reason: 'errored in the baseline: nothing to compare' });
    }
  }
  return out;
}

/**
 * Compare a current run with a baseline. Throws PgscaleError('UNUSABLE_INPUT') when the
 * runs are not like with like (see fingerprint.ts).
 */
export function compareResults(baseline: Results, current: Results, opts: CompareOptions = {}): Comparison {
  const config = opts.config ?? DEFAULT_GATE_CONFIG;
  const warnings = opts.skipFingerprint ? [] : assertComparable(baseline, current);
  const baseMetrics = new Map(extractMetrics(baseline).map((m) => [m.id, m]));
  const curMetrics = extractMetrics(current);

  let trends: Trend[] | undefined;
  let priorById: Map<string, number[]> | undefined;
  if (opts.history) {
    const prior = sortHistory(opts.history.filter((r) => !sameRun(r, current)));
    if (!prior.some((r) => sameRun(r, baseline))) prior.push(baseline);
    priorById = new Map();
    for (const r of sortHistory(prior)) {
      for (const m of extractMetrics(r)) {
        const list = priorById.get(m.id) ?? [];
        list.push(m.value);
        priorById.set(m.id, list);
      }
    }
    trends = buildTrends([...prior, current], { config });
  }

  const metrics: MetricComparison[] = statusComparisons(baseline, current);
  const pending: Array<{ at: number; metric: Metric; evidence: SampleEvidence; threshold: Threshold }> = [];
  for (const cur of curMetrics) {
    const { samples: _s, params: _p, value: _v, ...identity } = cur;
    const base = baseMetrics.get(cur.id);
    baseMetrics.delete(cur.id);
    if (!base) {
      if (!cur.gated) metrics.push({ ...identity, current: cur.value, method: 'informational', verdict: 'unchanged', reason: 'informational, not judged (not in the baseline)' });
      else metrics.push({ ...identity, current: cur.value, method: 'missing', verdict: 'inconclusive', reason: 'new metric: not in the baseline' });
      continue;
    }
    const prior = priorById?.get(cur.id);
    const threshold = effectiveThreshold(config, cur, prior);
    const judged = judge(base, cur, threshold, config, prior);
    if ('rawPValue' in judged) {
      pending.push({ at: metrics.length, metric: cur, evidence: judged, threshold });
      metrics.push({ ...identity, baseline: base.value, current: cur.value, threshold, method: 'rank-test', verdict: 'inconclusive', reason: '' });
    } else {
      metrics.push({ ...identity, baseline: base.value, current: cur.value, threshold, ...judged });
    }
  }
  // Many latencies are tested at once: Holm's adjustment keeps the chance of any false
  // alarm in a run at alpha (an A/A run has ~100 tested metrics).
  const adjusted = holmAdjust(pending.map((p) => p.evidence.rawPValue));
  pending.forEach((p, i) => {
    Object.assign(metrics[p.at], decideSamples(p.metric, p.evidence, adjusted[i], p.threshold, config.alpha));
  });
  const erroredNow = new Set(current.scenarios.filter((s) => s.status === 'errored').map((s) => s.name));
  for (const base of baseMetrics.values()) {
    if (erroredNow.has(base.scenario)) continue; // already reported once as the scenario's status
    const { samples: _s, params: _p, value: _v, ...identity } = base;
    if (!base.gated) metrics.push({ ...identity, baseline: base.value, method: 'informational', verdict: 'unchanged', reason: 'informational, not judged (missing in the current run)' });
    else metrics.push({ ...identity, baseline: base.value, method: 'missing', verdict: 'inconclusive', reason: 'missing in the current run' });
  }

  const counts: Record<Verdict, number> = { regressed: 0, inconclusive: 0, improved: 0, unchanged: 0 };
  for (const m of metrics) counts[m.verdict]++;
  return {
    baseline: { gitSha: baseline.tool.gitSha, startedAt: baseline.startedAt },
    current: { gitSha: current.tool.gitSha, startedAt: current.startedAt },
    warnings,
    alpha: config.alpha,
    metrics,
    counts,
    regressed: counts.regressed > 0,
    trends,
  };
}
