/**
 * The gate's result as a Markdown table (readable in a terminal and in a GitHub job
 * summary): every metric with baseline, current, change, confidence and verdict, worst
 * first, then the change points found in the history.
 */
import type { Comparison, MetricComparison, Verdict } from './compare.ts';
import type { PairedComparison } from './compare-paired.ts';
import { formatChange, formatConfidence, formatP, formatValue, mdCell, metricTitle } from './format.ts';

const ORDER: Record<Verdict, number> = { regressed: 0, inconclusive: 1, improved: 2, unchanged: 3 };
const MARK: Record<Verdict, string> = { regressed: '🔴 regressed', inconclusive: '🟡 inconclusive', improved: '🟢 improved', unchanged: 'unchanged' };

export interface ComparisonTableOptions {
  /** Leave out unchanged metrics (they are still counted). @default false */
  changedOnly?: boolean;
  /** Most rows to print; the rest are counted. @default Infinity */
  maxRows?: number;
}

function interval(m: MetricComparison): string {
  return m.ci ? `${formatChange(m.ci.lower)} … ${formatChange(m.ci.upper)}` : '';
}

/** One line saying what the gate decided. */
export function comparisonHeadline(c: Comparison): string {
  const n = c.counts;
  const verdict = c.regressed ? `**Regression**: ${n.regressed} metric${n.regressed === 1 ? '' : 's'} regressed` : '**No regression**';
  const shift = c.latencyShift ? `; run-wide latency shift ${formatChange(c.latencyShift.change)} over ${c.latencyShift.metrics} queries, taken out before judging each` : '';
  const paired = (c as Partial<PairedComparison>).paired;
  const noise = paired ? Object.entries(paired.noise).map(([kind, n]) => `${kind} σ ${(n.sigma * 100).toFixed(1)} % per round`).join(', ') : '';
  const mode = paired ? `; paired over ${paired.rounds} rounds, ${paired.tested} metrics on paired differences${noise ? ` (${noise})` : ''}` : '';
  return `${verdict} (${n.improved} improved, ${n.unchanged} unchanged, ${n.inconclusive} inconclusive${shift}${mode}) — baseline ${c.baseline.gitSha.slice(0, 10)}, current ${c.current.gitSha.slice(0, 10)}`;
}

/** The full comparison as Markdown. */
export function renderComparisonMarkdown(c: Comparison, opts: ComparisonTableOptions = {}): string {
  const lines: string[] = [`## pgscale compare`, '', comparisonHeadline(c), ''];
  for (const w of c.warnings) lines.push(`> ⚠️ ${mdCell(w)}`);
  if (c.warnings.length > 0) lines.push('');
  const rows = c.metrics
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => !opts.changedOnly || m.verdict !== 'unchanged')
    .sort((a, b) => ORDER[a.m.verdict] - ORDER[b.m.verdict] || a.i - b.i)
    .map(({ m }) => m);
  const shown = rows.slice(0, opts.maxRows ?? Infinity);
  const level = `${Math.round((1 - c.alpha) * 1000) / 10}%`;
  lines.push(`| metric | baseline | current | change | ${level} interval | confidence | verdict | why |`, '|---|---:|---:|---:|---|---:|---|---|');
  for (const m of shown) {
    const name = metricTitle(m);
    lines.push(
      `| ${mdCell(name)} | ${formatValue(m.baseline, m.unit)} | ${formatValue(m.current, m.unit)} | ${formatChange(m.change)} | ${interval(m)} | ${m.method === 'exact' ? 'exact' : formatConfidence(m.confidence)} | ${MARK[m.verdict]} | ${mdCell(m.reason)} |`,
    );
  }
  if (shown.length < rows.length) lines.push('', `…and ${rows.length - shown.length} more rows (see the JSON output).`);
  const changes = (c.trends ?? []).flatMap((t) => t.changes.map((ch) => ({ t, ch })));
  if (changes.length > 0) {
    lines.push('', '### Change points in the history', '', '| metric | at run | before | after | change | p | direction |', '|---|---:|---:|---:|---:|---:|---|');
    for (const { t, ch } of changes) {
      const label = t.points.find((p) => p.run === ch.run)?.label ?? String(ch.run);
      lines.push(
        `| ${mdCell(metricTitle(t))} | ${mdCell(label)} | ${formatValue(ch.before, t.unit)} | ${formatValue(ch.after, t.unit)} | ${formatChange(ch.change)} | ${formatP(ch.pValue)} | ${ch.worse ? 'worse' : t.direction === 'none' ? '–' : 'better'} |`,
      );
    }
  }
  return lines.join('\n') + '\n';
}
