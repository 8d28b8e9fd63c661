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
 *   an earlier run) are listed with their change and never judged; so are named metrics
 *   no run declares (each run's own declarations first, then the current run's: a
 *   baseline from before scenarios declared their metrics reads as the current run says);
 * - single values with no samples (throughput, build times): judged against the nightly
 *   history when given (robust z-score against the prior runs), else unchanged within
 *   the threshold and inconclusive beyond it: one value per run cannot tell noise from
 *   change.
 * - a capacity (compare-capacity.ts) by its bracket: a drop is a regression only when the
 *   brackets do not overlap and it exceeds the capacity search's noise floor;
 * - a load test's metrics (traffic-metrics.ts) take the same path with one second as one
 *   sample; compare-traffic.ts decides throughput at unequal offered load, and error
 *   rates compare their means (mostly zero, their medians would hide a change).
 */
import { capacityJudgements } from './compare-capacity.ts';
import { trafficJudgements, withTrafficThresholds } from './compare-traffic.ts';
import { armDifferences, assertComparable, sampleDifferences } from './fingerprint.ts';
import { formatChange, formatP } from './format.ts';
import { buildTrends, sameRun, sortHistory, type Trend } from './history.ts';
import { extractMetrics, type Metric, type MetricDeclarations, metricDeclarations } from './metrics.ts';
import type { Results } from './schema.ts';
import { bootstrapMeanDifference, bootstrapMedianRatio, holmAdjust, mannWhitneyU, median, normalCdf, robustSigma, sampleVariance, studentTwoSidedP } from './stats.ts';
import { DEFAULT_GATE_CONFIG, thresholdFor, type GateConfig, type Threshold } from './thresholds.ts';
import { TRAFFIC_SCENARIO } from './traffic-metrics.ts';


export type Verdict = 'improved' | 'unchanged' | 'regressed' | 'inconclusive';
export const VERDICTS: readonly Verdict[] = ['regressed', 'inconclusive', 'improved', 'unchanged'];

/**
 * How a verdict was reached. `undeclared`: a named metric no run at hand declares (results
 * from before scenarios declared their metrics), so not judged; `offered-load`: an open-loop throughput both runs kept up
 * with (the schedule's, not the database's); `not-comparable`: a load test's throughput
 * at a different offered load, or while the client was the limit.
 */
export type Method = 'rank-test' | 'exact' | 'single-value' | 'history' | 'missing' | 'status' | 'informational' | 'undeclared' | 'run-shift' | 'offered-load' | 'not-comparable' | 'interval' | 'paired';

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
  /** The run-wide latency shift taken out before this latency was judged (a relative change), when it was. */
  shift?: number;
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
  /**
   * The run-wide latency shift: the median change over every latency both runs sampled
   * (the machine's drift between runs, or a change that slowed everything). It is taken
   * out before each latency is judged, and judged itself as the `run/-/latency-shift` row.
   */
  latencyShift?: { change: number; metrics: number };
}

export interface CompareOptions {
  /** @default DEFAULT_GATE_CONFIG */
  config?: GateConfig;
  /** Earlier nightly results (any order); the baseline and current are added if missing. */
  history?: readonly Results[];
  /** Skip the like-with-like check (only for renderers that show deltas anyway). @default false */
  skipFingerprint?: boolean;
}

const NOISY_KINDS = new Set(['latency', 'throughput', 'timing']);

/** Fewest earlier runs before the history judges a single-value metric or widens a threshold. */
const MIN_HISTORY = 5;
/** Fewest latencies sampled in both runs before a run-wide shift is estimated and taken out. */
const MIN_SHIFT_METRICS = 10;

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

/** A verdict for one metric, without its identity and values. */
export type Judgement = Pick<MetricComparison, 'verdict' | 'reason' | 'method' | 'confidence' | 'pValue' | 'ci' | 'change'>;

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

/**
 * Evidence from the means, for rates that are mostly zero: the change is the difference
 * of the means relative to the baseline's (infinite from a baseline of zero), and so is
 * the interval of the difference.
 */
function meanEvidence(a: readonly number[], b: readonly number[], pValue: number, t: Threshold, config: GateConfig, seed: number): SampleEvidence {
  const base = a.reduce((s, x) => s + x, 0) / a.length;
  const boot = bootstrapMeanDifference(a, b, { iterations: config.bootstrapIterations, seed, confidence: 1 - config.alpha, band: [-t.relative * base, t.relative * base] });
  const relative = (d: number) => (base > 0 ? d / base : d === 0 ? 0 : Math.sign(d) * Infinity);
  return {
    change: relative(boot.difference),
    ci: { lower: relative(boot.lower), upper: relative(boot.upper) },
    rawPValue: pValue,
    absDiff: Math.abs(boot.difference),
    fractionInBand: boot.fractionInBand,
  };
}

function sampleEvidence(m: Metric, a: readonly number[], b: readonly number[], t: Threshold, config: GateConfig): SampleEvidence {
  const test = mannWhitneyU(a, b);
  const seed = (config.seed ^ hash(m.id)) >>> 0;
  if (m.effect === 'mean') return meanEvidence(a, b, test.pValue, t, config, seed);
  const boot = bootstrapMedianRatio(a, b, {
    iterations: config.bootstrapIterations,
    seed,
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
function decideSamples(m: Metric, e: SampleEvidence, pValue: number, t: Threshold, alpha: number, shift?: number): Judgement {
  const common = { change: e.change, ci: e.ci, pValue, method: 'rank-test' as const, ...(shift !== undefined ? { shift } : {}) };
  const beyond = shift !== undefined ? ` beyond the run's ${formatChange(shift)} shift` : '';
  if (e.absDiff < t.absolute) return { ...common, confidence: 1, verdict: 'unchanged', reason: `difference under the noise floor (${t.absolute} ${m.unit})` };
  if (Math.abs(e.change) < t.relative) return { ...common, confidence: e.fractionInBand, verdict: 'unchanged', reason: `change${beyond} under the minimum effect (${pct(t.relative)})` };
  const significant = pValue < alpha && (e.ci.lower > 0 || e.ci.upper < 0);
  if (!significant) {
    return { ...common, confidence: 1 - pValue, verdict: 'inconclusive', reason: `not significant (adjusted p=${formatP(pValue)}, alpha ${alpha})` };
  }
  if (t.certain !== undefined && Math.abs(e.change) < t.certain) {
    return {
      ...common,
      confidence: 1 - pValue,
      verdict: 'inconclusive',
      reason: `significant${beyond} but under ${pct(t.certain)}, within the drift one query can show between two runs: pass --history to judge it against its own spread`,
    };
  }
  return { ...common, confidence: 1 - pValue, verdict: directional(m, e.change), reason: `significant (adjusted p=${formatP(pValue)}) and over ${pct(t.certain ?? t.relative)}${beyond}` };
}

function judgeAgainstHistory(m: Metric, prior: number[], b: number, t: Threshold, config: GateConfig): Judgement {
  const center = median(prior);
  const change = relChange(center, b);
  if (withinThreshold(t, center, b)) {
    return { change, method: 'history', verdict: 'unchanged', reason: `within ${pct(t.relative)} of the median of ${prior.length} earlier runs` };
  }
  // A prediction interval from n earlier values: Student's t with n - 1 degrees of freedom
  // on the larger of the robust and the plain spread (the MAD of five values can be near
  // zero, which made every small wobble "significant": an A/A here alarmed 13 times in 13).
  const n = prior.length;
  const sigma = Math.max(robustSigma(prior), Math.sqrt(sampleVariance(prior))) * Math.sqrt(1 + 1 / n);
  const z = sigma > 0 ? (b - center) / sigma : Math.sign(b - center) * Infinity;
  const pValue = studentTwoSidedP(z, n - 1);
  if (pValue >= config.alpha) {
    return { change, pValue, confidence: 1 - pValue, method: 'history', verdict: 'inconclusive', reason: `within the spread of ${n} earlier runs (t=${z.toFixed(1)}, ${n - 1} df)` };
  }
  return { change, pValue, confidence: 1 - pValue, method: 'history', verdict: directional(m, change), reason: `outside the spread of ${n} earlier runs (t=${z.toFixed(1)}, ${n - 1} df)` };
}

function judgeSingle(a: number, b: number, t: Threshold): Judgement {
  const change = relChange(a, b);
  if (withinThreshold(t, a, b)) return { change, method: 'single-value', verdict: 'unchanged', reason: `within ${pct(t.relative)}` };
  return { change, method: 'single-value', verdict: 'inconclusive', reason: 'one value per run cannot tell noise from change: keep raw samples or pass --history' };
}

/**
 * The metric's threshold, widened for run-to-run drift, which tests on one run's samples
 * cannot see: the minimum effect becomes at least 3 standard deviations of the
 * difference of two runs. With enough history that is 3·√2·σ, σ the robust spread of
 * the metric's log values across earlier nights. Without, for a latency judged after the
 * run-wide shift was taken out (`spread` given: the robust spread of the latencies'
 * log changes around that shift), 3·spread; for anything else 3·√2·`runDrift`
 * (default 5 %, so ≈ 24 %), the drift assumed when nothing measured it.
 */
export function effectiveThreshold(config: GateConfig, metric: Metric, prior: readonly number[] | undefined, spread?: number): Threshold {
  const t = thresholdFor(config, metric);
  if (metric.kind !== 'latency' && metric.kind !== 'throughput' && metric.kind !== 'timing') return t;
  const atLeast = (rel: number) => ({ ...t, relative: Math.max(t.relative, rel) });
  const logs = (prior ?? []).filter((v) => v > 0).map(Math.log);
  // The larger of the robust and the plain spread: the MAD of five values can be near zero.
  if (logs.length >= MIN_HISTORY) return atLeast(Math.expm1(3 * Math.SQRT2 * Math.max(robustSigma(logs), Math.sqrt(sampleVariance(logs)))));
  if (spread !== undefined) {
    // One baseline, no history: a single query's drift between two runs is heavier-tailed
    // than the cross-query spread suggests (a real A/A here moved 5 of 88 medians by
    // 17–54 % at σ ≈ 6 %). Beyond 3σ a change is worth a look; only beyond 6σ is it a verdict.
    const wide = atLeast(Math.expm1(3 * spread));
    return { ...wide, certain: Math.max(wide.relative, Math.expm1(6 * spread)) };
  }
  return atLeast(Math.expm1(3 * Math.SQRT2 * config.runDrift));
}

/** Median log change and its robust spread over the latencies both runs sampled. */
interface RunShift {
  log: number;
  spread: number;
  metrics: number;
}

/**
 * The run-wide shift of latencies: machine drift between two runs moves every query
 * together, so the median log ratio of medians over all of them estimates it, and each
 * query is then judged on what it changed beyond it. A minority of regressed queries
 * barely moves the median; a change that slows every query shows in the shift itself.
 */
function runShift(pairs: ReadonlyArray<{ a: readonly number[]; b: readonly number[] }>): RunShift | undefined {
  const logs = pairs.map(({ a, b }) => Math.log(median(b) / median(a))).filter(Number.isFinite);
  if (logs.length < MIN_SHIFT_METRICS) return undefined;
  const log = median(logs);
  return { log, spread: robustSigma(logs), metrics: logs.length };
}

/**
 * The shift judged as one metric against the drift assumed between runs (`runDrift`): a
 * two-sided z-test of the log shift with standard deviation √2·runDrift. Regressed or
 * improved only when significant and at least the latency minimum effect; beyond the
 * minimum effect but within the assumed drift it is inconclusive.
 */
function judgeShift(shift: RunShift, config: GateConfig, measuredDrift?: number): MetricComparison {
  const change = Math.expm1(shift.log);
  const t: Threshold = { relative: config.kinds.latency.relative, absolute: 0 };
  const drift = measuredDrift ?? config.runDrift;
  const driftText = measuredDrift !== undefined ? `the run-to-run drift of the history (${pct(drift)})` : `the run-to-run drift assumed (runDrift ${pct(drift)})`;
  const sigma = Math.SQRT2 * drift;
  const pValue = sigma > 0 ? 2 * (1 - normalCdf(Math.abs(shift.log) / sigma)) : shift.log === 0 ? 1 : 0;
  const base = {
    id: 'run/-/latency-shift',
    scenario: 'run',
    variant: '-',
    kind: 'latency' as const,
    label: `latency shift of the whole run (median of ${shift.metrics} queries)`,
    unit: 'x' as const,
    direction: 'smaller' as const,
    gated: true,
    baseline: 1,
    current: Math.exp(shift.log),
    change,
    pValue,
    confidence: 1 - pValue,
    method: 'run-shift' as const,
    threshold: t,
  };
  if (Math.abs(change) < t.relative) return { ...base, verdict: 'unchanged', reason: `under the minimum effect (${pct(t.relative)}); taken out before judging each query` };
  if (pValue >= config.alpha) {
    return { ...base, verdict: 'inconclusive', reason: `within ${driftText}, p=${formatP(pValue)}; taken out before judging each query` };
  }
  const worse = change > 0;
  return { ...base, verdict: worse ? 'regressed' : 'improved', reason: `every query moved: beyond ${driftText}, p=${formatP(pValue)}` };
}

/**
 * The run-to-run drift the history shows: per earlier run, the median log deviation of
 * its latencies from each one's median over all runs; then the robust spread of those.
 * Undefined with fewer than MIN_HISTORY runs.
 */
function historyDrift(runs: readonly Results[], declarations: MetricDeclarations): number | undefined {
  if (runs.length < MIN_HISTORY) return undefined;
  const perRun = runs.map((r) => new Map(extractMetrics(r, declarations).filter((m) => m.kind === 'latency' && m.gated && m.scenario !== TRAFFIC_SCENARIO && m.value > 0).map((m) => [m.id, Math.log(m.value)])));
  const center = new Map<string, number>();
  for (const id of new Set(perRun.flatMap((m) => [...m.keys()]))) center.set(id, median(perRun.flatMap((m) => (m.has(id) ? [m.get(id)!] : []))));
  const shifts = perRun.map((m) => median([...m].map(([id, v]) => v - center.get(id)!))).filter(Number.isFinite);
  return shifts.length >= MIN_HISTORY ? robustSigma(shifts) : undefined;
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

/** The reason a named metric no run declares is not judged. */
const UNDECLARED_REASON = 'undeclared: no run at hand says what this metric is (results written before scenarios declared their metrics), not judged';

/** A named metric neither run declares: inconclusive, since nothing says how to judge it. */
function judgeUndeclared(a: number, b: number): Judgement {
  const change = relChange(a, b);
  return { change, method: 'undeclared', verdict: 'inconclusive', reason: `${UNDECLARED_REASON}${a === b ? '' : ` (moved ${formatChange(change)})`}` };
}

/** A verdict now, or sample evidence that waits for the family-wide p adjustment. */
function judge(base: Metric, cur: Metric, t: Threshold, config: GateConfig, prior: number[] | undefined): Judgement | SampleEvidence {
  if (cur.undeclared || base.undeclared) return judgeUndeclared(base.value, cur.value);
  if (!cur.gated || !base.gated) return judgeInformational(base.value, cur.value);
  if (cur.kind === 'size' || cur.kind === 'count' || cur.kind === 'info') return judgeExact(cur, base.value, cur.value, t);
  if (base.samples && cur.samples) return sampleEvidence(cur, base.samples, cur.samples, t, config);
  if (prior && prior.length >= MIN_HISTORY) return judgeAgainstHistory(cur, prior, cur.value, t, config);
  return judgeSingle(base.value, cur.value, t);
}

function statusComparisons(baseline: Results, current: Results): MetricComparison[] {
  const out: MetricComparison[] = [];
  const baseStatus = new Map(baseline.scenarios.map((s) => [s.name, s.status]));
  for (const s of current.scenarios) {
    const before = baseStatus.get(s.name);
    if (s.status === 'ok' && before !== 'errored') continue;
    const common = { id: `${s.name}/-/status`, scenario: s.name, variant: '-', kind: 'info' as const, label: 'status', unit: '' as const, direction: 'none' as const, gated: true, method: 'status' as const };
    if (s.status === 'interrupted') {
      out.push({ ...common, verdict: 'inconclusive', reason: 'interrupted in the current run: not measured' });
    } else if (s.status === 'errored' && before === 'ok') {
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
  const config = withTrafficThresholds(opts.config ?? DEFAULT_GATE_CONFIG);
  const warnings = opts.skipFingerprint ? [] : assertComparable(baseline, current);
  const presets = new Map([...trafficJudgements(baseline, current), ...capacityJudgements(baseline, current)]);
  // Each run's own declarations first; the current run's, then the baseline's and the
  // newest earlier run's, for a run that recorded none (written before scenarios declared them).
  const declarations = metricDeclarations([current, baseline, ...sortHistory(opts.history ?? []).reverse()]);
  const baseMetrics = new Map(extractMetrics(baseline, declarations).map((m) => [m.id, m]));
  const curMetrics = extractMetrics(current, declarations);

  let trends: Trend[] | undefined;
  let priorById: Map<string, number[]> | undefined;
  let measuredDrift: number | undefined;
  if (opts.history) {
    // Only earlier runs of the same arms (`run --variants`) and data (`run --sample`) make the history.
    const prior = sortHistory(opts.history.filter((r) => !sameRun(r, current) && armDifferences(r, current).length === 0 && sampleDifferences(r, current).length === 0));
    if (!prior.some((r) => sameRun(r, baseline))) prior.push(baseline);
    measuredDrift = historyDrift(prior, declarations);
    priorById = new Map();
    for (const r of sortHistory(prior)) {
      for (const m of extractMetrics(r, declarations)) {
        const list = priorById.get(m.id) ?? [];
        list.push(m.value);
        priorById.set(m.id, list);
      }
    }
    trends = buildTrends([...prior, current], { config });
  }

  const metrics: MetricComparison[] = statusComparisons(baseline, current);
  // A load test's latencies are left out of the shift: its transactions share one load,
  // so what moves them all together is the database's answer to it, not machine drift.
  const sampled = (m: Metric | undefined): m is Metric & { samples: readonly number[] } =>
    !!m && m.kind === 'latency' && m.gated && m.scenario !== TRAFFIC_SCENARIO && !!m.samples && m.samples.length > 0;
  const shift = runShift(curMetrics.flatMap((cur) => {
    const base = baseMetrics.get(cur.id);
    return sampled(cur) && sampled(base) ? [{ a: base.samples, b: cur.samples }] : [];
  }));
  if (shift) metrics.push(judgeShift(shift, config, measuredDrift));
  // A latency change smaller than one bare round trip (the client floor's p99, SELECT 1,
  // in either run) is below what this client resolves: a real A/A pair here moved a
  // 0.11 ms query by 0.06 ms with a floor p99 of 0.08–0.12 ms.
  const roundTrip = Math.max(baseline.clientFloor?.latencyMs.p99 ?? 0, current.clientFloor?.latencyMs.p99 ?? 0);
  const pending: Array<{ at: number; metric: Metric; evidence: SampleEvidence; threshold: Threshold; shift?: number }> = [];
  const historyJudged: Array<{ at: number; metric: Metric; rawPValue: number }> = [];
  for (const cur of curMetrics) {
    const { samples: _s, params: _p, value: _v, effect: _e, undeclared: _u, ...identity } = cur;
    const base = baseMetrics.get(cur.id);
    baseMetrics.delete(cur.id);
    if (!base) {
      if (cur.undeclared) metrics.push({ ...identity, current: cur.value, method: 'undeclared', verdict: 'inconclusive', reason: `${UNDECLARED_REASON} (not in the baseline)` });
      else if (!cur.gated) metrics.push({ ...identity, current: cur.value, method: 'informational', verdict: 'unchanged', reason: 'informational, not judged (not in the baseline)' });
      else metrics.push({ ...identity, current: cur.value, method: 'missing', verdict: 'inconclusive', reason: 'new metric: not in the baseline' });
      continue;
    }
    const prior = priorById?.get(cur.id);
    // A latency sampled in both runs is judged on what it changed beyond the run-wide shift.
    const shifted = !!shift && sampled(cur) && sampled(base);
    const widened = effectiveThreshold(config, cur, prior, shifted ? shift.spread : undefined);
    const threshold = cur.kind === 'latency' && !cur.id.startsWith('client/') && roundTrip > widened.absolute ? { ...widened, absolute: roundTrip } : widened;
    // With a history, a noisy metric's run-to-run spread is measured: judge its value against
    // the earlier runs' (a prediction interval), not one run's samples against another's,
    // whose thousands of samples make any drift between runs "significant".
    const byHistory = cur.gated && base.gated && NOISY_KINDS.has(cur.kind) && (prior?.length ?? 0) >= MIN_HISTORY;
    const judged =
      presets.get(cur.id) ??
      (byHistory
        ? judgeAgainstHistory(cur, prior!, cur.value, threshold, config)
        : shifted
          ? sampleEvidence(cur, base.samples!, cur.samples!.map((x) => x / Math.exp(shift!.log)), threshold, config)
          : judge(base, cur, threshold, config, prior));
    if (!('rawPValue' in judged) && judged.method === 'history') {
      // Judged against the history's spread: one more test of the family's Holm adjustment
      // below (a change within the minimum effect was not tested: p = 1).
      historyJudged.push({ at: metrics.length, metric: cur, rawPValue: judged.pValue ?? 1 });
      metrics.push({ ...identity, baseline: base.value, current: cur.value, threshold, ...judged });
    } else if ('rawPValue' in judged) {
      pending.push({ at: metrics.length, metric: cur, evidence: judged, threshold, shift: shifted ? Math.expm1(shift.log) : undefined });
      metrics.push({ ...identity, baseline: base.value, current: cur.value, threshold, method: 'rank-test', verdict: 'inconclusive', reason: '' });
    } else {
      metrics.push({ ...identity, baseline: base.value, current: cur.value, threshold, ...judged });
    }
  }
  // Many latencies are tested at once: Holm's adjustment keeps the chance of any false
  // alarm in a run at alpha (an A/A run has ~100 tested metrics).
  // Metrics judged against the history are tested too: one family, so ~100 of them at
  // alpha each do not make a false alarm nearly certain (an A/A here: 13 of 13 before).
  const adjustedAll = holmAdjust([...pending.map((p) => p.evidence.rawPValue), ...historyJudged.map((h) => h.rawPValue)]);
  const adjusted = adjustedAll.slice(0, pending.length);
  pending.forEach((p, i) => {
    Object.assign(metrics[p.at], decideSamples(p.metric, p.evidence, adjusted[i], p.threshold, config.alpha, p.shift));
  });
  historyJudged.forEach((h, i) => {
    const p = adjustedAll[pending.length + i];
    const m = metrics[h.at];
    if (p >= config.alpha && (m.verdict === 'regressed' || m.verdict === 'improved')) {
      Object.assign(m, { pValue: p, confidence: 1 - p, verdict: 'inconclusive' as const, reason: `${m.reason}, but not once the family's ${adjustedAll.length} tests are adjusted (Holm p=${formatP(p)})` });
    } else if (m.pValue !== undefined) {
      Object.assign(m, { pValue: p, confidence: 1 - p });
    }
  });
  const erroredNow = new Set(current.scenarios.filter((s) => s.status !== 'ok').map((s) => s.name));
  for (const base of baseMetrics.values()) {
    if (erroredNow.has(base.scenario)) continue; // already reported once as the scenario's status
    const { samples: _s, params: _p, value: _v, effect: _e, undeclared: _u, ...identity } = base;
    if (base.undeclared) metrics.push({ ...identity, baseline: base.value, method: 'undeclared', verdict: 'inconclusive', reason: `${UNDECLARED_REASON} (missing in the current run)` });
    else if (!base.gated) metrics.push({ ...identity, baseline: base.value, method: 'informational', verdict: 'unchanged', reason: 'informational, not judged (missing in the current run)' });
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
    ...(shift ? { latencyShift: { change: Math.expm1(shift.log), metrics: shift.metrics } } : {}),
  };
}
