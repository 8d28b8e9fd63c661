/**
 * report.md: the environment, then per scenario its finding, a sizes table and a
 * latency table (rows = relations or queries, columns = variants), named metrics and
 * notes; then a load test's section (traffic-markdown.ts) when the run has one; with a
 * baseline, each cell also shows its change and the gate's summary leads. Short enough
 * for $GITHUB_STEP_SUMMARY and a PR comment.
 */
import { compareResults, type Comparison, type MetricComparison } from './compare.ts';
import { comparisonHeadline } from './compare-table.ts';
import { checkComparable } from './fingerprint.ts';
import { formatBytes, formatChange, formatLatencyPair, formatNumber, LATENCY_FOOTNOTES, mdCell, metricTitle } from './format.ts';
import { displayKey, queryKey, varyingParams } from './metrics.ts';
import { capacityMarkdown } from './capacity-report.ts';
import type { Results, ScenarioResult } from './schema.ts';
import { seriesMarkdown } from './series.ts';
import { trafficMarkdown } from './traffic-markdown.ts';

export interface MarkdownOptions {
  /** Show changes against this run (skipped with a note when the runs are not comparable). */
  baseline?: Results;
  /** A comparison already computed (saves recomputing it); wins over `baseline`. */
  comparison?: Comparison;
}

const MARK: Record<string, string> = { regressed: ' 🔴', improved: ' 🟢', inconclusive: ' 🟡', unchanged: '' };

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.map(mdCell).join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** Environment as a compact list. */
export function environmentLines(r: Results): string[] {
  const e = r.environment;
  const sha = r.tool.gitSha.slice(0, 10);
  return [
    `- **Postgres** ${e.postgres.version.split(' on ')[0]} (${e.target}${e.server ? `, ${e.server}` : ''})`,
    `- **Machine** ${e.cpus} × ${e.cpu}, ${formatBytes(e.memoryBytes)} RAM${e.os ? `, ${e.os}` : ''}, Node ${e.node}`,
    `- **Run** scale ${formatNumber(r.params.scale)}, seed ${r.params.seed}${r.params.months ? `, ${r.params.months} months` : ''}, pgscale ${r.tool.version} (${sha})${r.startedAt ? `, started ${r.startedAt}` : ''}`,
  ];
}

function withDelta(text: string, c: MetricComparison | undefined): string {
  if (!c || c.change === undefined || c.baseline === undefined) return text;
  // Deterministic values that did not move would only add "(0.0%)" noise.
  if (c.method === 'exact' && c.verdict === 'unchanged' && Math.abs(c.change) < 0.0005) return text;
  return `${text} (${formatChange(c.change)}${MARK[c.verdict]})`;
}

function sizesTable(s: ScenarioResult, deltas: Map<string, MetricComparison>): string[] {
  const keys: Array<{ relation: string; kind: string }> = [];
  for (const v of s.variants) {
    for (const e of v.sizes) if (!keys.some((k) => k.relation === e.relation && k.kind === e.kind)) keys.push({ relation: e.relation, kind: e.kind });
  }
  if (keys.length === 0) return [];
  const rows = keys.map((k) => [
    mdCell(`${k.relation} (${k.kind})`),
    ...s.variants.map((v) => {
      const e = v.sizes.find((x) => x.relation === k.relation && x.kind === k.kind);
      return e ? withDelta(formatBytes(e.bytes), deltas.get(`${s.name}/${v.name}/size/${k.relation}.${k.kind}`)) : '–';
    }),
  ]);
  return ['', '**Sizes**', '', ...table(['relation', ...s.variants.map((v) => v.name)], rows)];
}

function latencyTable(s: ScenarioResult, deltas: Map<string, MetricComparison>): string[] {
  const varying = varyingParams(s.variants.flatMap((v) => v.queries));
  const keys: string[] = [];
  for (const v of s.variants) for (const q of v.queries) if (!keys.includes(displayKey(q, varying))) keys.push(displayKey(q, varying));
  if (keys.length === 0) return [];
  const marks = new Set<keyof typeof LATENCY_FOOTNOTES>();
  const rows = keys.map((key) => [
    mdCell(key),
    ...s.variants.map((v) => {
      const q = v.queries.find((x) => displayKey(x, varying) === key);
      if (!q) return '–';
      const pair = formatLatencyPair(q);
      for (const m of pair.marks) marks.add(m);
      return withDelta(pair.text, deltas.get(`${s.name}/${v.name}/latency/${queryKey(q)}`));
    }),
  ]);
  const notes = (Object.keys(LATENCY_FOOTNOTES) as Array<keyof typeof LATENCY_FOOTNOTES>).filter((m) => marks.has(m)).map((m) => LATENCY_FOOTNOTES[m]);
  return ['', '**Latency** (p50 / p99)', '', ...table(['query', ...s.variants.map((v) => v.name)], rows), ...(notes.length > 0 ? ['', ...notes.map(mdCell)] : [])];
}

function metricsTable(s: ScenarioResult, deltas: Map<string, MetricComparison>): string[] {
  const names = [...new Set(s.variants.flatMap((v) => Object.keys(v.metrics)))];
  if (names.length === 0) return [];
  const rows = names.map((n) => [
    mdCell(n),
    ...s.variants.map((v) => (v.metrics[n] === undefined ? '–' : withDelta(formatNumber(v.metrics[n]), deltas.get(`${s.name}/${v.name}/metric/${n}`)))),
  ]);
  return ['', '**Metrics**', '', ...table(['metric', ...s.variants.map((v) => v.name)], rows)];
}

function scenarioSection(s: ScenarioResult, deltas: Map<string, MetricComparison>): string[] {
  const lines = [`## ${s.name}`, ''];
  if (s.status === 'errored') {
    const e = s.error;
    lines.push(`**Errored**: ${mdCell(e?.message ?? 'no message')}${e?.sqlstate ? ` [SQLSTATE ${e.sqlstate}]` : ''}${e?.variant ? ` (variant ${e.variant})` : ''}`);
    if (s.variants.length === 0) return lines;
  } else {
    lines.push(`> ${mdCell(s.finding)}`);
  }
  if (s.claim) lines.push('', `Claim tested: “${mdCell(s.claim)}”`);
  lines.push(...sizesTable(s, deltas), ...latencyTable(s, deltas), ...metricsTable(s, deltas), ...seriesMarkdown(s), ...(s.capacity ? capacityMarkdown(s.capacity) : []));
  if (s.notes && s.notes.length > 0) lines.push('', ...s.notes.map((n) => `- ${mdCell(n)}`));
  return lines;
}

/** Render a results document (and its changes against a baseline) as Markdown. */
export function renderMarkdown(results: Results, opts: MarkdownOptions = {}): string {
  const lines = ['# pgscale results', ''];
  if (results.partial && !results.traffic) {
    const unfinished = results.scenarios.filter((s) => s.status !== 'ok').map((s) => s.name);
    lines.push(`> ⚠️ This run was interrupted: it holds the scenarios it finished${unfinished.length ? ` (not finished: ${unfinished.join(', ')})` : ''}. Finish it with \`pgscale run --resume DIR\`.`, '');
  }
  let comparison = opts.comparison;
  if (!comparison && opts.baseline) {
    const { problems } = checkComparable(opts.baseline, results);
    if (problems.length > 0) lines.push(`> ⚠️ Baseline not comparable, no deltas shown: ${mdCell(problems.join('; '))}`, '');
    else comparison = compareResults(opts.baseline, results);
  }
  if (comparison) {
    lines.push(comparisonHeadline(comparison), '');
    const notable = comparison.metrics.filter((m) => m.verdict === 'regressed' || m.verdict === 'improved');
    for (const m of notable.slice(0, 15)) lines.push(`- ${MARK[m.verdict].trim()} ${mdCell(metricTitle(m))}${m.change === undefined ? '' : `: ${formatChange(m.change)}`} (${mdCell(m.reason)})`);
    if (notable.length > 15) lines.push(`- …and ${notable.length - 15} more`);
    for (const w of comparison.warnings) lines.push(`> ⚠️ ${mdCell(w)}`);
    lines.push('');
  }
  lines.push(...environmentLines(results), '');
  if (results.clientFloor) {
    const floor = formatLatencyPair(results.clientFloor);
    lines.push(`Client floor (\`SELECT 1\`, p50 / p99): ${floor.text}${floor.marks.map((m) => ` — ${LATENCY_FOOTNOTES[m]}`).join('')}`, '');
  }
  const findings = results.scenarios.map((s) => `- **${s.name}**: ${s.status === 'ok' ? mdCell(s.finding) : `errored — ${mdCell(s.error?.message ?? '')}`}`);
  // A load test alone has no scenarios: no empty Findings heading then.
  if (findings.length > 0 || !results.traffic) lines.push('## Findings', '', ...findings, '');
  const deltas = new Map((comparison?.metrics ?? []).map((m) => [m.id, m]));
  for (const s of results.scenarios) lines.push(...scenarioSection(s, deltas), '');
  if (results.traffic) lines.push(...trafficMarkdown(results.traffic, deltas), '');
  return lines.join('\n');
}
