/**
 * The gate on a paired run: every noisy metric (latencies, throughputs, timings, a
 * capacity) is judged on its per-round log ratios current/baseline. Both arms of a
 * round ran minutes apart on the same machine and data, so drift between nights does
 * not enter; what is left is the arms' own noise, which the rounds measure.
 *
 * The test is a moderated paired t-test (Smyth 2004, limma's empirical Bayes): each
 * metric's variance across rounds is shrunk towards the variance typical of its kind,
 * estimated from all metrics of that kind together, with the prior's weight (degrees of
 * freedom) fitted from how much the metrics' variances scatter. Three rounds then give a
 * usable test even though one metric alone has two degrees of freedom. p-values are
 * Holm-adjusted over every metric tested, as the one-baseline gate does.
 *
 * Deterministic metrics (sizes, counts) and statuses are judged as in a one-baseline
 * comparison of the first round.
 */
import { type Comparison, compareResults, type CompareOptions, type MetricComparison, type Verdict } from './compare.ts';
import { CAPACITY_PAIR_NOISE } from './compare-capacity.ts';
import { assertComparable } from './fingerprint.ts';
import { formatChange, formatP } from './format.ts';
import { extractMetrics, type Metric, metricDeclarations } from './metrics.ts';
import type { PairedRun } from './paired.ts';
import { fitVariancePrior, holmAdjust, median, sampleVariance, studentQuantile, studentTwoSidedP, type VariancePrior } from './stats.ts';
import { DEFAULT_GATE_CONFIG, thresholdFor } from './thresholds.ts';


const NOISY = new Set(['latency', 'throughput', 'timing']);

/** Fewest metrics of a kind before their variances set a prior for each other. */
const MIN_PRIOR_METRICS = 5;

export interface PairedSummary {
  rounds: number;
  /** Per metric kind: the typical per-round noise (σ of the log ratio) and the prior's degrees of freedom. */
  noise: Record<string, { sigma: number; df: number; metrics: number }>;
  /** Metrics judged on paired differences. */
  tested: number;
}

export type PairedComparison = Comparison & { paired: PairedSummary };

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

interface Series {
  metric: Metric;
  /** Per round: log(current / baseline), less the scenario's shift in that round where one is taken out. */
  logRatios: number[];
  /** Per round: the scenario's shift taken out (log), when it was. */
  shifts?: number[];
  baseline: number[];
  current: number[];
}

/** Metrics whose per-round values exist and are positive in both arms of every round. */
function pairedSeries(run: PairedRun): Series[] {
  // A baseline build from before scenarios declared their metrics reads as the current build declares them.
  const declarations = metricDeclarations(run.rounds.flatMap((r) => [r.current, r.baseline]));
  const rounds = run.rounds.map((r) => ({
    baseline: new Map(extractMetrics(r.baseline, declarations).map((m) => [m.id, m])),
    current: new Map(extractMetrics(r.current, declarations).map((m) => [m.id, m])),
  }));
  const out: Series[] = [];
  for (const metric of rounds[0].current.values()) {
    if (!metric.gated || !NOISY.has(metric.kind)) continue;
    const baseline: number[] = [];
    const current: number[] = [];
    for (const r of rounds) {
      const a = r.baseline.get(metric.id);
      const b = r.current.get(metric.id);
      if (!a || !b || !a.gated || !b.gated || !(a.value > 0) || !(b.value > 0)) break;
      baseline.push(a.value);
      current.push(b.value);
    }
    if (baseline.length !== rounds.length) continue;
    out.push({ metric, baseline, current, logRatios: current.map((b, i) => Math.log(b / baseline[i])) });
  }
  return out;
}

/** A query's latency or its operations per second (the same timing, inverted). */
const queryTiming = (m: Metric) => (/^[^/]+\/[^/]+\/(latency|throughput)\//.exec(m.id)?.[1] as 'latency' | 'throughput' | undefined);

/** Fewest queries in a variant before it gets a shift of its own (else its scenario's serves). */
const MIN_VARIANT_SHIFT = 5;

/**
 * Each child process runs at its own speed, and so, within it, does each block of
 * queries measured together: in an A/A pair here, a scenario's queries moved together by
 * up to 40 % (the client floor too) and one variant's by up to 2× while the others stayed.
 * So, per round, the median log ratio of a variant's query latencies (of its scenario's,
 * for variants of fewer than 5 queries) is taken as that block's shift; each query is
 * judged on what it changed beyond it (the residual spread fell from 14 % to 8 %), and
 * each shift is itself judged across rounds as a `latency-shift` row, so a change that
 * slows every query of a variant or scenario is still seen there.
 */
function takeOutShifts(series: Series[], rounds: number): Series[] {
  const latencies = series.filter((s) => queryTiming(s.metric) === 'latency' && s.metric.scenario !== 'client');
  const groups = new Map<string, Series[]>();
  const add = (key: string, s: Series) => groups.set(key, [...(groups.get(key) ?? []), s]);
  for (const s of latencies) add(`${s.metric.scenario}/${s.metric.variant}`, s);
  // Variants too small for a median of their own share their scenario's.
  for (const [key, list] of [...groups]) {
    if (list.length >= MIN_VARIANT_SHIFT) continue;
    groups.delete(key);
    for (const s of list) add(`${s.metric.scenario}/-`, s);
  }
  const shiftOf = new Map<string, number[]>();
  const rows: Series[] = [];
  for (const [key, list] of groups) {
    if (list.length < MIN_VARIANT_SHIFT) continue;
    const [scenario, variant] = key.split('/');
    const shifts = Array.from({ length: rounds }, (_, r) => median(list.map((s) => s.logRatios[r])));
    for (const s of list) shiftOf.set(`${s.metric.scenario}/${s.metric.variant}`, shifts);
    rows.push({
      metric: { id: `${scenario}/${variant}/latency-shift`, scenario, variant, kind: 'latency', label: `latency shift of ${variant === '-' ? 'the scenario' : `variant ${variant}`} (median of ${list.length} queries)`, unit: 'x', direction: 'smaller', gated: true, value: 1 },
      logRatios: shifts,
      baseline: shifts.map(() => 1),
      current: shifts.map(Math.exp),
    });
  }
  for (const s of series) {
    const kind = queryTiming(s.metric);
    const shifts = kind ? (shiftOf.get(`${s.metric.scenario}/${s.metric.variant}`) ?? shiftOf.get(`${s.metric.scenario}/-`)) : undefined;
    if (!kind || !shifts || s.metric.scenario === 'client') continue;
    s.shifts = kind === 'latency' ? shifts : shifts.map((x) => -x);
    s.logRatios = s.logRatios.map((x, r) => x - s.shifts![r]);
  }
  return rows;
}

/**
 * Metrics whose noise is alike share a prior: query latencies; queries' operations per
 * second; a scenario's other figures of a kind (build times, COPY rates); capacities
 * apart, as a search's noise is its own.
 */
function family(m: Metric): string {
  if (m.id.endsWith('/-/metric/maxRate')) return 'capacity';
  return queryTiming(m) ? m.kind : `${m.kind} (other)`;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const geomean = (xs: readonly number[]) => Math.exp(mean(xs.map(Math.log)));

/**
 * The prior of one kind's variances; for a capacity, the spread measured between searches
 * (CAPACITY_PAIR_NOISE); with one round, or too few metrics to fit one, the drift the gate
 * assumes between two runs (√2·runDrift, the config's) with 4 degrees of freedom: a
 * stated guess, weak enough for a metric's own rounds to outweigh it.
 */
function priorFor(series: readonly Series[], rounds: number, runDrift: number, family?: string): VariancePrior {
  if (family === 'capacity') return { s2: CAPACITY_PAIR_NOISE.sigma ** 2, df: CAPACITY_PAIR_NOISE.df };
  const fitted = rounds >= 2 && series.length >= MIN_PRIOR_METRICS ? fitVariancePrior(series.map((s) => sampleVariance(s.logRatios)), rounds - 1) : undefined;
  return fitted ?? { s2: 2 * runDrift * runDrift, df: 4 };
}

/** Judge a paired run. Throws PgscaleError('UNUSABLE_INPUT') when a round's arms are not like with like. */
export function comparePaired(run: PairedRun, opts: Pick<CompareOptions, 'config'> = {}): PairedComparison {
  const config = opts.config ?? DEFAULT_GATE_CONFIG;
  const first = run.rounds[0];
  const base = compareResults(first.baseline, first.current, { config });
  const warnings = new Set(base.warnings);
  for (const r of run.rounds.slice(1)) for (const w of assertComparable(r.baseline, r.current)) warnings.add(w);
  if (!run.sharedData) warnings.add('the two builds generate different data (the generator changed): each arm measured its own data sets, so data differences count as changes');

  const R = run.rounds.length;
  const series = pairedSeries(run);
  const shiftRows = takeOutShifts(series, R);
  const byKind = new Map<string, Series[]>();
  for (const s of series) if (queryTiming(s.metric) !== 'throughput') byKind.set(family(s.metric), [...(byKind.get(family(s.metric)) ?? []), s]);
  // The shifts are a family of their own: each is a whole scenario's noise, not a query's.
  if (shiftRows.length > 0) byKind.set('shift', shiftRows);
  const priors = new Map([...byKind].map(([kind, list]) => [kind, priorFor(list, R, config.runDrift, kind)]));

  // The client floor's p99 (SELECT 1) in any run: a latency change smaller than one bare
  // round trip is below what this client resolves, as in the one-baseline gate.
  const roundTrip = Math.max(...run.rounds.flatMap((r) => [r.baseline.clientFloor?.latencyMs.p99 ?? 0, r.current.clientFloor?.latencyMs.p99 ?? 0]));
  const previous = new Map(base.metrics.map((m, i) => [m.id, i]));
  const metrics: MetricComparison[] = base.metrics.filter((m) => m.method !== 'run-shift');
  for (const row of shiftRows) {
    const { value: _v, ...identity } = row.metric;
    metrics.push({ ...identity, method: 'paired', verdict: 'unchanged', reason: '' });
    previous.set(row.metric.id, -1);
  }
  const index = new Map(metrics.map((m, i) => [m.id, i]));
  const tested: Array<{ at: number; pRaw: number; s: Series; d: number; se: number; df: number }> = [];
  for (const s of [...series, ...shiftRows]) {
    const at = index.get(s.metric.id);
    if (at === undefined || !previous.has(s.metric.id)) continue;
    // A load test where the client was the limit stays "not comparable".
    if (metrics[at].method === 'not-comparable') continue;
    // A query's operations per second are its mean latency inverted: the latency row
    // judges that query, and testing both would only widen the family Holm corrects for.
    if (queryTiming(s.metric) === 'throughput') {
      const change = Math.expm1(mean(s.logRatios));
      metrics[at] = { ...metrics[at], baseline: geomean(s.baseline), current: geomean(s.current), change, pValue: undefined, confidence: undefined, ci: undefined, method: 'informational', verdict: 'unchanged', reason: `informational in a paired run (the query's latency row judges it): moved ${formatChange(change)}` };
      continue;
    }
    const prior = priors.get(s.shifts === undefined && s.metric.id.endsWith('/latency-shift') ? 'shift' : family(s.metric))!;
    const d = mean(s.logRatios);
    const own = R >= 2 ? sampleVariance(s.logRatios) : 0;
    const s2 = Number.isFinite(prior.df) ? (prior.df * prior.s2 + (R - 1) * own) / (prior.df + R - 1) : prior.s2;
    const df = prior.df + R - 1;
    const se = Math.sqrt(s2 / R);
    const t = se > 0 ? d / se : d === 0 ? 0 : Math.sign(d) * Infinity;
    const pRaw = studentTwoSidedP(t, df);
    tested.push({ at, pRaw, s, d, se, df });
  }
  const adjusted = holmAdjust(tested.map((x) => x.pRaw));
  tested.forEach(({ at, s, d, se, df }, i) => {
    const m = s.metric;
    const t = thresholdFor(config, m);
    const isShift = m.id.endsWith('/latency-shift');
    const absolute = isShift ? 0 : m.kind === 'latency' && !m.id.startsWith('client/') ? Math.max(t.absolute, roundTrip) : t.absolute;
    const a = geomean(s.baseline);
    const b = geomean(s.current);
    // The change judged: beyond the shift, where one was taken out.
    const change = Math.expm1(d);
    const q = studentQuantile(1 - config.alpha / 2, df);
    const ci = { lower: Math.expm1(d - q * se), upper: Math.expm1(d + q * se) };
    const p = adjusted[i];
    const beyond = s.shifts ? ` beyond its block's shift (${s.shifts.map((x) => formatChange(Math.expm1(x))).join(', ')})` : '';
    const rounds = `over ${R} round${R === 1 ? '' : 's'} (per-round changes ${s.logRatios.map((x) => formatChange(Math.expm1(x))).join(', ')}${beyond})`;
    let verdict: Verdict;
    let reason: string;
    if (a * Math.abs(change) < absolute) {
      verdict = 'unchanged';
      reason = `paired difference under the noise floor (${absolute} ${m.unit})`;
    } else if (Math.abs(change) < t.relative) {
      verdict = 'unchanged';
      reason = `paired change ${rounds} under the minimum effect (${pct(t.relative)})`;
    } else if (p < config.alpha && (ci.lower > 0 || ci.upper < 0)) {
      verdict = m.direction === 'none' ? 'inconclusive' : (m.direction === 'smaller') === change > 0 ? 'regressed' : 'improved';
      reason = `paired change ${rounds} significant (adjusted p=${formatP(p)})`;
    } else {
      verdict = 'inconclusive';
      reason = `paired change ${rounds} not significant (adjusted p=${formatP(p)}, alpha ${config.alpha})`;
    }
    metrics[at] = { ...metrics[at], baseline: a, current: b, change, ci, pValue: p, confidence: 1 - p, method: 'paired', threshold: { relative: t.relative, absolute }, verdict, reason };
  });

  const counts: Record<Verdict, number> = { regressed: 0, inconclusive: 0, improved: 0, unchanged: 0 };
  for (const m of metrics) counts[m.verdict]++;
  const noise: PairedSummary['noise'] = {};
  for (const [kind, p] of priors) noise[kind] = { sigma: Math.sqrt(p.s2), df: p.df, metrics: byKind.get(kind)!.length };
  const { latencyShift: _shift, ...rest } = base;
  return {
    ...rest,
    baseline: { gitSha: run.baseline.gitSha, startedAt: run.startedAt },
    current: { gitSha: run.current.gitSha, startedAt: run.startedAt },
    warnings: [...warnings],
    metrics,
    counts,
    regressed: counts.regressed > 0,
    paired: { rounds: R, noise, tested: tested.length },
  };
}
