/**
 * Variants' time series (variants[].series) in the reports: one line chart per series
 * name with a line per variant (HTML), and in Markdown a row per series and variant with
 * its first, lowest, highest and last value and a sparkline of its shape.
 */
import { formatBytes, formatMs, formatNumber, mdCell } from './format.ts';
import type { ScenarioResult, TimeSeries } from './schema.ts';
import { lineChart, type Series } from './svg.ts';

/** Series names in order of first appearance, each with its unit and every variant's points. */
function byName(s: ScenarioResult): Array<{ name: string; unit: TimeSeries['unit']; lines: Array<{ variant: string; points: TimeSeries['points'] }> }> {
  const out = new Map<string, { name: string; unit: TimeSeries['unit']; lines: Array<{ variant: string; points: TimeSeries['points'] }> }>();
  for (const v of s.variants) {
    for (const ts of v.series ?? []) {
      const entry = out.get(ts.name) ?? out.set(ts.name, { name: ts.name, unit: ts.unit, lines: [] }).get(ts.name)!;
      entry.lines.push({ variant: v.name, points: ts.points });
    }
  }
  return [...out.values()];
}

function valueText(value: number, unit: TimeSeries['unit']): string {
  if (unit === 'B') return formatBytes(value);
  if (unit === 'ms') return formatMs(value);
  if (unit === '%') return `${value.toFixed(1)} %`;
  return formatNumber(value);
}

/** The HTML section: a chart per series name, one line per variant in its colour. */
export function seriesHtml(s: ScenarioResult, colors: ReadonlyMap<string, string>): string {
  const charts = byName(s).map((group) => {
    const lines: Series[] = group.lines.map((l) => ({
      name: l.variant,
      color: colors.get(l.variant),
      points: l.points.map((p) => ({ x: p.seconds, y: p.value, tip: `${l.variant} at ${p.seconds.toFixed(0)} s: ${valueText(p.value, group.unit)}` })),
    }));
    return lineChart(group.name, lines, { xLabel: 'seconds', yLabel: group.unit || 'value', xLog: false, yLog: false });
  });
  return charts.length === 0 ? '' : `<h3>Over time</h3><div class="grid">${charts.join('')}</div>`;
}

const BARS = '▁▂▃▄▅▆▇█';

/** The shape of a series in at most `width` characters (each the mean of its share of the points). */
export function sparkline(values: readonly number[], width = 24): string {
  if (values.length === 0) return '';
  const buckets = Math.min(width, values.length);
  const means = Array.from({ length: buckets }, (_, i) => {
    const part = values.slice(Math.floor((i * values.length) / buckets), Math.floor(((i + 1) * values.length) / buckets));
    return part.reduce((a, b) => a + b, 0) / part.length;
  });
  const lo = Math.min(...means);
  const hi = Math.max(...means);
  return means.map((m) => BARS[hi === lo ? 0 : Math.round(((m - lo) / (hi - lo)) * (BARS.length - 1))]).join('');
}

/** The Markdown lines: per series and variant, its range and a sparkline. */
export function seriesMarkdown(s: ScenarioResult): string[] {
  const groups = byName(s);
  if (groups.length === 0) return [];
  const rows = groups.flatMap((g) =>
    g.lines.map((l) => {
      const values = l.points.map((p) => p.value);
      const span = l.points.length > 0 ? `${l.points[0].seconds.toFixed(0)}–${l.points[l.points.length - 1].seconds.toFixed(0)} s` : '–';
      const stat = (x: number) => (values.length > 0 ? valueText(x, g.unit) : '–');
      return `| ${mdCell(g.name)} | ${mdCell(l.variant)} | ${span} | ${stat(values[0])} | ${stat(Math.min(...values))} | ${stat(Math.max(...values))} | ${stat(values[values.length - 1])} | ${sparkline(values)} |`;
    }),
  );
  return ['', '**Over time**', '', '| series | variant | seconds | first | lowest | highest | last | shape |', '|---|---|---:|---:|---:|---:|---:|---|', ...rows];
}
