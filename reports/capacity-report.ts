/**
 * A capacity search in the reports: the steps as a table, and in HTML the latency
 * against throughput curve (the "hockey stick") with the SLO's latency line and the
 * capacity marked.
 */
import { escapeHtml, formatNumber } from './format.ts';
import type { CapacityResult, CapacityStepResult } from './schema.ts';
import { lineChart } from './svg.ts';

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function rows(c: CapacityResult): string[][] {
  const all: CapacityStepResult[] = [...c.steps, ...(c.confirmation?.windows ?? [])];
  return all.map((s, i) => [`${i + 1} ${s.phase}`, formatNumber(s.rate), formatNumber(Math.round(s.achievedRate)), ms(s.p50Ms), ms(s.p99Ms), ms(s.p999Ms), String(s.errors), String(s.dropped), `${s.passed ? 'pass' : `fail: ${s.limitedBy}`}${(s.windows ?? 1) > 1 ? ` (${s.windows} windows)` : ''}`]);
}

const HEADER = ['step', 'offered tx/s', 'achieved tx/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors', 'dropped', 'verdict'];

function summary(c: CapacityResult): string {
  return `Capacity ${formatNumber(c.maxRate)} tx/s (bracket ${formatNumber(c.low)}–${formatNumber(c.high)}) under ${c.slo}, ${c.clients} connections, steps of ${c.stepSeconds} s${c.limitedBy ? `; limited by ${c.limitedBy}` : ''}${c.note ? ` (${c.note})` : ''}.`;
}

/** Markdown lines for a capacity search. */
export function capacityMarkdown(c: CapacityResult): string[] {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return ['', `**Capacity search**: ${summary(c)}`, '', line(HEADER), line(HEADER.map((_, i) => (i === 0 || i === 8 ? '---' : '---:'))), ...rows(c).map(line)];
}

/** HTML for a capacity search: the hockey stick and the steps table. */
export function capacityHtml(c: CapacityResult): string {
  const climb = [...c.steps].filter((s) => s.transactions > 0).sort((a, b) => a.achievedRate - b.achievedRate);
  const point = (s: CapacityStepResult, y: number) => ({ x: s.achievedRate, y, tip: `offered ${formatNumber(s.rate)} tx/s, achieved ${formatNumber(Math.round(s.achievedRate))}: p50 ${ms(s.p50Ms)} ms, p99 ${ms(s.p99Ms)} ms${s.passed ? '' : ` — failed (${s.limitedBy})`}` });
  const series = [
    { name: 'p99', points: climb.map((s) => point(s, s.p99Ms)) },
    { name: 'p50', points: climb.map((s) => point(s, s.p50Ms)) },
  ];
  if (c.sloLatency && climb.length) {
    const xs = climb.map((s) => s.achievedRate);
    series.push({ name: `SLO p${c.sloLatency.percentile} < ${c.sloLatency.limitMs} ms`, points: [Math.min(...xs), Math.max(...xs)].map((x) => ({ x, y: c.sloLatency!.limitMs, tip: `objective: p${c.sloLatency!.percentile} < ${c.sloLatency!.limitMs} ms` })) });
  }
  const chart = lineChart('Latency against throughput (each step of the search)', series, {
    xLabel: 'achieved transactions/s',
    yLabel: 'ms',
    yLog: true,
    markers: c.maxRate > 0 ? [{ x: c.maxRate, label: `capacity ${formatNumber(c.maxRate)} tx/s` }] : [],
  });
  const table = `<table><tr>${HEADER.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${rows(c)
    .map((r) => `<tr>${r.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('')}</table>`;
  return `<h3>Capacity search</h3><p>${escapeHtml(summary(c))}</p><div class="grid">${chart}</div>${table}`;
}
