/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no network) with
 * sizes per variant as bars, latency distributions per query and variant, latency
 * against each numeric query parameter (selectivity, sessions, delayMs), a plan viewer
 * per query, a load test's section (traffic-html.ts) when the run has one, the changes
 * against a baseline and the trend over a nightly history. Errored scenarios and missing
 * fields leave a note instead of a chart.
 */
import { capacityHtml } from './capacity-report.ts';
import { compareResults, type Comparison } from './compare.ts';
import { checkComparable } from './fingerprint.ts';
import { escapeHtml, formatP, formatBytes, formatChange, formatConfidence, formatLatencyPair, formatMs, formatNumber, formatValue, LATENCY_FOOTNOTES, metricTitle } from './format.ts';
import { buildTrends, sameRun, type Trend } from './history.ts';
import { environmentLines } from './markdown.ts';
import { displayKey, queryKey, varyingParams } from './metrics.ts';
import type { QueryResult, Results, ScenarioResult } from './schema.ts';
import { quantileSorted } from './stats.ts';
import { barChart, boxChart, lineChart, PALETTE, type Box, type Series } from './svg.ts';
import { seriesHtml } from './series.ts';
import { trafficSection } from './traffic-html.ts';

export interface HtmlOptions {
  /** Show the gate's verdicts against this run. */
  baseline?: Results;
  /** Earlier nightly runs: plotted as trends with change points. */
  history?: Results[];
  /** Most trend charts to draw (those with change points first). @default 40 */
  maxTrends?: number;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1400px;padding:16px 24px;color:#222}
h1{margin:.2em 0}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:2em}h3{margin:1.2em 0 .4em;font-size:15px}
.grid{display:flex;flex-wrap:wrap;gap:12px}.chart{background:#fafafa;border:1px solid #eee;border-radius:4px}
.finding{font-size:15px;background:#f3f7fb;border-left:4px solid #0072B2;padding:6px 10px}
.error{background:#fdecea;border-left:4px solid #D55E00;padding:6px 10px}.warn{color:#8a5a00}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.regressed{color:#b00020;font-weight:600}.improved{color:#007a3d;font-weight:600}.inconclusive{color:#8a5a00}
details{margin:4px 0}summary{cursor:pointer}pre{background:#f6f6f6;padding:8px;overflow:auto;max-height:420px;font-size:12px}
.muted{color:#777}nav a{margin-right:12px}`;

function variantColors(s: ScenarioResult): Map<string, string> {
  return new Map(s.variants.map((v, i) => [v.name, PALETTE[i % PALETTE.length]]));
}

function sizesSection(s: ScenarioResult, colors: Map<string, string>): string {
  const keys: string[] = [];
  for (const v of s.variants) for (const e of v.sizes) if (!keys.includes(`${e.relation}\u0000${e.kind}`)) keys.push(`${e.relation}\u0000${e.kind}`);
  // The table and index entries tell the story; toast and total only when nothing else.
  const shown = keys.filter((k) => /\u0000(table|index)$/.test(k));
  const charts = (shown.length > 0 ? shown : keys).map((k) => {
    const [relation, kind] = k.split('\u0000');
    const bars = s.variants.flatMap((v) => {
      const e = v.sizes.find((x) => x.relation === relation && x.kind === kind);
      return e ? [{ label: v.name, value: e.bytes, text: formatBytes(e.bytes), color: colors.get(v.name) }] : [];
    });
    return barChart(`${relation} (${kind})`, bars);
  });
  return charts.length === 0 ? '' : `<h3>Sizes per variant</h3><div class="grid">${charts.join('')}</div>`;
}

function boxFor(q: QueryResult): Box['q'] {
  if (q.samplesMs && q.samplesMs.length >= 5) {
    const s = Float64Array.from(q.samplesMs).sort();
    return [0.05, 0.25, 0.5, 0.75, 0.95].map((p) => quantileSorted(s, p)) as Box['q'];
  }
  const l = q.latencyMs;
  return [l.min ?? l.p50, l.p50, l.p50, l.p75, l.p99];
}

function distributionSection(s: ScenarioResult, colors: Map<string, string>): string {
  const varying = varyingParams(s.variants.flatMap((v) => v.queries));
  const keys: string[] = [];
  for (const v of s.variants) for (const q of v.queries) if (!keys.includes(displayKey(q, varying))) keys.push(displayKey(q, varying));
  const marks = new Set<keyof typeof LATENCY_FOOTNOTES>();
  const flagged: string[] = [];
  const charts = keys.map((key) => {
    const boxes = s.variants.flatMap((v) => {
      const q = v.queries.find((x) => displayKey(x, varying) === key);
      if (!q) return [];
      const pair = formatLatencyPair(q);
      for (const m of pair.marks) marks.add(m);
      if (pair.marks.length > 0) flagged.push(`${v.name} · ${key}: ${pair.text}`);
      const tip = `${v.name}: p50 / p99 ${pair.text}, ${q.samples} samples${q.samplesMs ? '' : ' (summary only)'}`;
      return [{ label: v.name, q: boxFor(q), color: colors.get(v.name), tip }];
    });
    return boxChart(key, boxes);
  });
  if (charts.length === 0) return '';
  const notes = (Object.keys(LATENCY_FOOTNOTES) as Array<keyof typeof LATENCY_FOOTNOTES>).filter((m) => marks.has(m)).map((m) => LATENCY_FOOTNOTES[m]);
  const honesty =
    flagged.length === 0
      ? ''
      : `<details class="tails"><summary>${flagged.length} measurement(s) whose p99 is not a percentile or that were cut short</summary><ul>${flagged.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul><p class="muted">${notes.map(escapeHtml).join('<br>')}</p></details>`;
  return `<h3>Latency distributions</h3><p class="muted">Boxes span p25–p75 with the median marked; whiskers p5–p95 of the raw samples (p50–p99 when only a summary was kept).</p><div class="grid">${charts.join('')}</div>${honesty}`;
}

/**
 * p50 against one parameter, one panel per combination of the other varying parameters.
 * Numeric parameters (sessions, delayMs) are an axis; text ones (selectivity hour/day/
 * week/month) are ordered categories in their order of appearance.
 */
function paramSection(s: ScenarioResult, colors: Map<string, string>): string {
  const all = s.variants.flatMap((v) => v.queries);
  const varying = varyingParams(all);
  const charts: string[] = [];
  for (const param of varying) {
    const values = [...new Set(all.map((q) => q.params?.[param]).filter((x) => x !== undefined))];
    const numeric = values.every((x) => typeof x === 'number');
    const position = (x: string | number | boolean) => (numeric ? (x as number) : values.indexOf(x));
    // A query name counts in the panel key only when it varies the parameter itself;
    // time-index names one query per selectivity, and those belong on one axis.
    const valuesByName = new Map<string, Set<unknown>>();
    for (const q of all) if (q.params?.[param] !== undefined) (valuesByName.get(q.name) ?? valuesByName.set(q.name, new Set()).get(q.name)!).add(q.params[param]);
    const panels = new Map<string, Map<string, Series>>();
    for (const v of s.variants) {
      for (const q of v.queries) {
        const x = q.params?.[param];
        if (x === undefined || !Number.isFinite(q.latencyMs.p50)) continue;
        const others = Object.entries(q.params ?? {}).filter(([k]) => k !== param && varying.has(k)).sort().map(([k, val]) => `${k}=${val}`);
        const key = [...((valuesByName.get(q.name)?.size ?? 0) >= 2 ? [q.name] : []), ...others].join(' · ') || 'all queries';
        const panel = panels.get(key) ?? panels.set(key, new Map()).get(key)!;
        const series = panel.get(v.name) ?? panel.set(v.name, { name: v.name, points: [], color: colors.get(v.name) }).get(v.name)!;
        series.points.push({ x: position(x), y: q.latencyMs.p50, tip: `${v.name} ${q.name} ${param}=${x}: p50 ${formatMs(q.latencyMs.p50)}` });
      }
    }
    const xTicks = numeric ? undefined : values.map((x, i) => ({ x: i, label: String(x) }));
    for (const [key, series] of panels) charts.push(lineChart(`p50 by ${param} — ${key}`, [...series.values()], { xLabel: param, yLabel: 'p50 latency (ms)', xLog: numeric ? undefined : false, xTicks }));
  }
  return charts.length === 0 ? '' : `<h3>Latency against parameters</h3><div class="grid">${charts.join('')}</div>`;
}

function metricsTable(s: ScenarioResult): string {
  const names = [...new Set(s.variants.flatMap((v) => Object.keys(v.metrics)))];
  if (names.length === 0) return '';
  const head = `<tr><th>metric</th>${s.variants.map((v) => `<th>${escapeHtml(v.name)}</th>`).join('')}</tr>`;
  const rows = names.map((n) => `<tr><td>${escapeHtml(n)}</td>${s.variants.map((v) => `<td>${v.metrics[n] === undefined ? '–' : formatNumber(v.metrics[n])}</td>`).join('')}</tr>`);
  return `<h3>Metrics</h3><table>${head}${rows.join('')}</table>`;
}

function planViewer(s: ScenarioResult): string {
  const items = s.variants.flatMap((v) =>
    v.queries
      .filter((q) => q.plan !== undefined || q.planSummary)
      .map((q) => {
        const ps = q.planSummary;
        const summary = ps
          ? `<table><tr><td>nodes</td><td>${escapeHtml(ps.nodeTypes.join(', ') || '–')}</td></tr><tr><td>indexes</td><td>${escapeHtml(ps.indexes.join(', ') || 'none')}</td></tr>${(['actualRows', 'executionMs', 'planningMs', 'sharedHit', 'sharedRead', 'heapBlocksLossy', 'partitionsScanned', 'partitionsPruned'] as const)
              .filter((k) => ps[k] !== undefined)
              .map((k) => `<tr><td>${k}</td><td>${formatNumber(ps[k] as number)}</td></tr>`)
              .join('')}</table>`
          : '';
        const plan = q.plan === undefined ? '' : `<pre>${escapeHtml(JSON.stringify(q.plan, null, 2))}</pre>`;
        return `<details class="plan"><summary>${escapeHtml(`${v.name} · ${queryKey(q)}`)}${ps ? ` <span class="muted">${escapeHtml(ps.nodeTypes.slice(0, 3).join(' → '))}</span>` : ''}</summary>${summary}${plan}</details>`;
      }),
  );
  return items.length === 0 ? '' : `<h3>Plans</h3>${items.join('')}`;
}

function scenarioSection(s: ScenarioResult): string {
  const colors = variantColors(s);
  const head = `<section id="${escapeHtml(`scenario-${s.name}`)}"><h2>${escapeHtml(s.name)}</h2>`;
  const status =
    s.status === 'errored'
      ? `<p class="error">Errored: ${escapeHtml(s.error?.message ?? 'no message')}${s.error?.sqlstate ? ` [SQLSTATE ${escapeHtml(s.error.sqlstate)}]` : ''}${s.error?.variant ? ` (variant ${escapeHtml(s.error.variant)})` : ''}</p>`
      : `<p class="finding">${escapeHtml(s.finding)}</p>`;
  const about = [s.hypothesis && `<p><b>Hypothesis:</b> ${escapeHtml(s.hypothesis)}</p>`, s.claim && `<p><b>Claim tested:</b> “${escapeHtml(s.claim)}”</p>`].filter(Boolean).join('');
  const notes = s.notes?.length ? `<ul>${s.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '';
  const body = s.capacity
    ? capacityHtml(s.capacity)
    : s.variants.length === 0
      ? '<p class="muted">No variant results.</p>'
      : sizesSection(s, colors) + seriesHtml(s, colors) + distributionSection(s, colors) + paramSection(s, colors) + metricsTable(s) + planViewer(s);
  return `${head}${status}${about}${notes}${body}</section>`;
}

function comparisonSection(c: Comparison): string {
  const n = c.counts;
  const head = `<p class="${c.regressed ? 'regressed' : 'improved'}">${c.regressed ? `Regression: ${n.regressed} metric(s) regressed` : 'No regression'} — ${n.improved} improved, ${n.unchanged} unchanged, ${n.inconclusive} inconclusive.</p>`;
  const warn = c.warnings.map((w) => `<p class="warn">⚠ ${escapeHtml(w)}</p>`).join('');
  const rows = c.metrics
    .filter((m) => m.verdict !== 'unchanged')
    .map((m) => `<tr><td>${escapeHtml(metricTitle(m))}</td><td>${formatValue(m.baseline, m.unit)}</td><td>${formatValue(m.current, m.unit)}</td><td>${formatChange(m.change)}</td><td>${m.method === 'exact' ? 'exact' : formatConfidence(m.confidence)}</td><td class="${m.verdict}">${m.verdict}</td><td>${escapeHtml(m.reason)}</td></tr>`);
  const table = rows.length === 0 ? '<p class="muted">Every metric unchanged.</p>' : `<table><tr><th>metric</th><th>baseline</th><th>current</th><th>change</th><th>confidence</th><th>verdict</th><th>why</th></tr>${rows.join('')}</table>`;
  return `<section id="comparison"><h2>Against the baseline (${escapeHtml(c.baseline.gitSha.slice(0, 10))})</h2>${head}${warn}${table}</section>`;
}

function trendSection(trends: Trend[], max: number): string {
  const plotted = trends
    .filter((t) => t.points.length >= 2)
    .sort((a, b) => b.changes.length - a.changes.length || (a.kind === 'latency' ? 0 : 1) - (b.kind === 'latency' ? 0 : 1))
    .slice(0, max);
  if (plotted.length === 0) return '';
  const charts = plotted.map((t) =>
    lineChart(
      metricTitle(t),
      [{ name: t.label, points: t.points.map((p) => ({ x: p.run, y: p.value, tip: `${p.label}: ${formatValue(p.value, t.unit)}` })) }],
      { xLabel: 'run (oldest first)', yLabel: t.unit || 'value', xLog: false, markers: t.changes.map((c) => ({ x: c.run, label: `change ${formatChange(c.change)} (p=${formatP(c.pValue)})` })) },
    ),
  );
  const nChanges = trends.reduce((s, t) => s + t.changes.length, 0);
  return `<section id="trends"><h2>Trend over ${Math.max(...trends.map((t) => t.points.length))} runs</h2><p class="muted">${nChanges} change point(s) found (Pettitt's rank test by binary segmentation; dashed lines). Showing ${plotted.length} of ${trends.length} metrics.</p><div class="grid">${charts.join('')}</div></section>`;
}

/** Render a results document as one self-contained HTML page. */
export function renderHtml(results: Results, opts: HtmlOptions = {}): string {
  let comparison = '';
  if (opts.baseline) {
    const { problems } = checkComparable(opts.baseline, results);
    comparison = problems.length > 0 ? `<p class="warn">⚠ Baseline not comparable: ${escapeHtml(problems.join('; '))}</p>` : comparisonSection(compareResults(opts.baseline, results));
  }
  const trends = opts.history && opts.history.length > 0 ? buildTrends([...opts.history.filter((r) => !sameRun(r, results)), results]) : [];
  const env = environmentLines(results).map((l) => `<li>${escapeHtml(l.replace(/^- /, '').replace(/\*\*/g, ''))}</li>`).join('');
  const floorPair = results.clientFloor ? formatLatencyPair(results.clientFloor) : undefined;
  const floor = floorPair ? `<li>Client floor (SELECT 1, p50 / p99): ${escapeHtml(floorPair.text)}${floorPair.marks.map((m) => ` <span class="muted">${escapeHtml(LATENCY_FOOTNOTES[m])}</span>`).join('')}</li>` : '';
  const nav = results.scenarios.map((s) => `<a href="#scenario-${escapeHtml(s.name)}">${escapeHtml(s.name)}${s.status === 'errored' ? ' ⚠' : ''}</a>`).join('') + (results.traffic ? `<a href="#traffic">traffic${results.traffic.clientBound || results.traffic.partial ? ' ⚠' : ''}</a>` : '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>pgscale report — scale ${formatNumber(results.params.scale)}</title><style>${CSS}</style></head>
<body><h1>pgscale results</h1><ul>${env}${floor}</ul><nav>${nav}${trends.length > 0 ? '<a href="#trends">trends</a>' : ''}</nav>
${comparison}
${results.scenarios.map(scenarioSection).join('\n')}
${results.traffic ? trafficSection(results.traffic) : ''}
${trendSection(trends, opts.maxTrends ?? 40)}
</body></html>
`;
}
