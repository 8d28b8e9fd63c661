/**
 * The Markdown section of a load test (`results.traffic`): the warnings that must be read
 * first, the run's facts, the SLO and its checks, and one latency table with a row per
 * transaction type and one for the whole run. With a comparison, the rate, errors and
 * p99 cells carry their change and verdict mark.
 */
import type { MetricComparison } from './compare.ts';
import { formatChange, formatMs, formatNumber, mdCell } from './format.ts';
import type { Traffic } from './schema.ts';
import { LATENCY_COLUMNS, latencyRows, sloHeadline, trafficFacts, trafficNotices, trafficTitle } from './traffic-facts.ts';

const MARK: Record<string, string> = { regressed: ' 🔴', improved: ' 🟢', inconclusive: ' 🟡', unchanged: '' };

function withChange(text: string, c: MetricComparison | undefined): string {
  if (!c || c.change === undefined || c.baseline === undefined) return text;
  return `${text} (${formatChange(c.change)}${MARK[c.verdict]})`;
}

/** The load test as Markdown lines, under a `## Traffic` heading. */
export function trafficMarkdown(t: Traffic, deltas: ReadonlyMap<string, MetricComparison> = new Map()): string[] {
  const lines = [`## Traffic: ${mdCell(trafficTitle(t))}`, ''];
  for (const n of trafficNotices(t)) lines.push(`> ⚠️ **${mdCell(n.lead)}**: ${mdCell(n.text)}`, '');
  for (const f of trafficFacts(t)) lines.push(`- **${f.label}** ${mdCell(f.metricId ? withChange(f.text, deltas.get(f.metricId)) : f.text)}`);
  const slo = sloHeadline(t);
  if (t.slo && slo) {
    lines.push('', `**${t.slo.met ? '✅' : '❌'} ${mdCell(slo)}**`, '', '| check | actual | limit | met |', '|---|---:|---:|---|');
    for (const c of t.slo.checks) lines.push(`| ${mdCell(c.term)} | ${formatNumber(c.actual)} | ${formatNumber(c.limit)} | ${c.met ? 'yes' : '**no**'} |`);
  }
  const header = ['transaction', 'weight', 'transactions', 'errors', ...LATENCY_COLUMNS.map((c) => c.label)];
  lines.push('', "**Latency** (from each transaction's intended start)", '', `| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const row of latencyRows(t)) {
    const cells = LATENCY_COLUMNS.map((c) => (c.key === 'p99' ? withChange(formatMs(row.latencyMs.p99), deltas.get(row.p99Id)) : formatMs(row.latencyMs[c.key])));
    const name = row.weight === undefined ? `**${mdCell(row.name)}**` : mdCell(row.name);
    lines.push(`| ${name} | ${row.weight === undefined ? '–' : formatNumber(row.weight)} | ${formatNumber(row.transactions)} | ${formatNumber(row.errors)} | ${cells.join(' | ')} |`);
  }
  return lines;
}
