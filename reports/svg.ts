/**
 * Inline SVG charts for the HTML report: horizontal bars, box plots and line charts,
 * each a self-contained <svg> string with a <title> tooltip on every mark. Generated
 * here rather than with a chart library so the report opens offline and stays small.
 * Marks carry classes (bar, box, series, point) that the browser test counts.
 */
import { escapeHtml } from './format.ts';

/** Colour-blind-safe palette (Okabe & Ito), then Tableau's for more series. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000', '#8c564b', '#7f7f7f'];

const W = 430;
const FONT = 'font-family="system-ui, sans-serif" font-size="11"';

function num(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 10) / 10) : '0';
}

function empty(title: string, why: string): string {
  return `<svg class="chart empty" viewBox="0 0 ${W} 60" width="${W}" height="60" role="img"><title>${escapeHtml(title)}</title><text x="8" y="18" ${FONT} font-weight="600">${escapeHtml(title)}</text><text x="8" y="42" ${FONT} fill="#777">${escapeHtml(why)}</text></svg>`;
}

interface Scale {
  (v: number): number;
  ticks: number[];
}

/** A linear or log10 scale from [lo, hi] onto [a, b] with a few round ticks. */
function scale(lo: number, hi: number, a: number, b: number, log: boolean): Scale {
  if (log) {
    const l0 = Math.log10(lo);
    const l1 = Math.log10(hi) === l0 ? l0 + 1 : Math.log10(hi);
    const f = ((v: number) => a + ((Math.log10(Math.max(v, lo)) - l0) / (l1 - l0)) * (b - a)) as Scale;
    // Decades, or 1-2-5 steps when the axis spans less than two decades.
    const steps = l1 - l0 < 2 ? [1, 2, 5] : [1];
    f.ticks = [];
    for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) {
      for (const m of steps) {
        const t = m * 10 ** e;
        if (t >= lo * (1 - 1e-9) && t <= 10 ** l1 * (1 + 1e-9)) f.ticks.push(Number(t.toPrecision(6)));
      }
    }
    if (f.ticks.length < 2) f.ticks = [lo, 10 ** l1];
    return f;
  }
  const span = hi - lo || 1;
  const f = ((v: number) => a + ((v - lo) / span) * (b - a)) as Scale;
  const step = 10 ** Math.floor(Math.log10(span / 4));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 6) ?? step * 10;
  f.ticks = [];
  for (let t = Math.ceil(lo / nice) * nice; t <= hi + 1e-9; t += nice) f.ticks.push(Number(t.toPrecision(6)));
  return f;
}

function tickText(v: number): string {
  if (v >= 1e6 || (v > 0 && v < 1e-3)) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

export interface Bar {
  label: string;
  value: number;
  /** Text shown at the bar's end. */
  text: string;
  color?: string;
}

/** Horizontal bars, scaled to the largest; one row per bar. */
export function barChart(title: string, bars: Bar[]): string {
  const usable = bars.filter((b) => Number.isFinite(b.value) && b.value >= 0);
  if (usable.length === 0) return empty(title, 'no data');
  const rowH = 20;
  const left = 120;
  const right = W - 80;
  const h = 26 + usable.length * rowH + 6;
  const max = Math.max(...usable.map((b) => b.value)) || 1;
  const rows = usable.map((b, i) => {
    const y = 26 + i * rowH;
    const w = Math.max(1, ((right - left) * b.value) / max);
    const tip = escapeHtml(`${b.label}: ${b.text}`);
    return `<text x="${left - 6}" y="${y + 13}" text-anchor="end" ${FONT}>${escapeHtml(b.label)}</text><rect class="bar" x="${left}" y="${y + 2}" width="${num(w)}" height="${rowH - 6}" fill="${b.color ?? PALETTE[i % PALETTE.length]}"><title>${tip}</title></rect><text x="${num(left + w + 4)}" y="${y + 13}" ${FONT}>${escapeHtml(b.text)}</text>`;
  });
  return `<svg class="chart" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img"><title>${escapeHtml(title)}</title><text x="8" y="16" ${FONT} font-weight="600">${escapeHtml(title)}</text>${rows.join('')}</svg>`;
}

export interface Box {
  label: string;
  /** Whisker low, first quartile, median, third quartile, whisker high. */
  q: [number, number, number, number, number];
  color?: string;
  tip?: string;
}

/** Horizontal box plots on one shared axis (log when the values span > 20×). */
export function boxChart(title: string, boxes: Box[], unit = 'ms'): string {
  const usable = boxes.filter((b) => b.q.every((v) => Number.isFinite(v) && v > 0));
  if (usable.length === 0) return empty(title, 'no latency data');
  const lo = Math.min(...usable.map((b) => b.q[0]));
  const hi = Math.max(...usable.map((b) => b.q[4]));
  const log = hi / lo > 20;
  const left = 120;
  const rowH = 22;
  const top = 26;
  const h = top + usable.length * rowH + 24;
  const x = scale(log ? lo * 0.9 : Math.max(0, lo - (hi - lo) * 0.05), hi * 1.05, left, W - 16, log);
  const axisY = top + usable.length * rowH + 4;
  const axis = x.ticks.map((t) => `<line x1="${num(x(t))}" x2="${num(x(t))}" y1="${top}" y2="${axisY}" stroke="#eee"/><text x="${num(x(t))}" y="${axisY + 12}" text-anchor="middle" ${FONT} fill="#555">${tickText(t)}</text>`);
  const rows = usable.map((b, i) => {
    const y = top + i * rowH + rowH / 2;
    const c = b.color ?? PALETTE[i % PALETTE.length];
    const [w0, q1, med, q3, w1] = b.q.map((v) => x(v));
    const tip = escapeHtml(b.tip ?? `${b.label}: median ${b.q[2].toPrecision(3)} ${unit}`);
    return `<text x="${left - 6}" y="${y + 4}" text-anchor="end" ${FONT}>${escapeHtml(b.label)}</text><line x1="${num(w0)}" x2="${num(w1)}" y1="${y}" y2="${y}" stroke="${c}"/><rect class="box" x="${num(q1)}" y="${y - 7}" width="${num(Math.max(1, q3 - q1))}" height="14" fill="${c}" fill-opacity="0.35" stroke="${c}"><title>${tip}</title></rect><line x1="${num(med)}" x2="${num(med)}" y1="${y - 7}" y2="${y + 7}" stroke="${c}" stroke-width="2"/>`;
  });
  return `<svg class="chart" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img"><title>${escapeHtml(title)}</title><text x="8" y="16" ${FONT} font-weight="600">${escapeHtml(title)} <tspan fill="#777" font-weight="400">(${unit}${log ? ', log scale' : ''})</tspan></text>${axis.join('')}${rows.join('')}</svg>`;
}

export interface Series {
  name: string;
  points: Array<{ x: number; y: number; tip?: string }>;
  color?: string;
}

export interface LineChartOptions {
  xLabel: string;
  yLabel: string;
  /** Log axes (chosen automatically when the positive data span > 20×). */
  xLog?: boolean;
  yLog?: boolean;
  /** Labelled ticks instead of numeric ones (categories at 0, 1, 2 …). */
  xTicks?: Array<{ x: number; label: string }>;
  /** x positions to mark with a dashed vertical line (change points). */
  markers?: Array<{ x: number; label: string }>;
}

/** Lines with points, a legend, and optional vertical markers. */
export function lineChart(title: string, series: Series[], opts: LineChartOptions): string {
  const pts = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (pts.length === 0) return empty(title, 'no data');
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const span = (v: number[]) => Math.min(...v) > 0 && Math.max(...v) / Math.min(...v) > 20;
  const xLog = opts.xLog ?? span(xs);
  const yLog = opts.yLog ?? span(ys);
  const legendH = 14 * Math.ceil(series.length / 3);
  const top = 26 + legendH;
  const h = top + 170;
  const left = 52;
  const bottom = h - 30;
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const x = scale(x0, x1 === x0 ? x0 + 1 : x1, left, W - 14, xLog && x0 > 0);
  const y = scale(yLog && y0 > 0 ? y0 * 0.9 : Math.min(0, y0), y1 === y0 ? y1 * 1.1 + 1 : y1 * 1.05, bottom, top, yLog && y0 > 0);
  const grid = [
    ...y.ticks.map((t) => `<line x1="${left}" x2="${W - 14}" y1="${num(y(t))}" y2="${num(y(t))}" stroke="#eee"/><text x="${left - 4}" y="${num(y(t) + 4)}" text-anchor="end" ${FONT} fill="#555">${tickText(t)}</text>`),
    ...(opts.xTicks ?? x.ticks.map((t) => ({ x: t, label: tickText(t) }))).map((t) => `<text x="${num(x(t.x))}" y="${bottom + 14}" text-anchor="middle" ${FONT} fill="#555">${escapeHtml(t.label)}</text>`),
    `<text x="${(left + W) / 2}" y="${h - 4}" text-anchor="middle" ${FONT} fill="#555">${escapeHtml(opts.xLabel)}${xLog ? ' (log)' : ''}</text>`,
    `<text x="10" y="${(top + bottom) / 2}" transform="rotate(-90 10 ${(top + bottom) / 2})" text-anchor="middle" ${FONT} fill="#555">${escapeHtml(opts.yLabel)}${yLog ? ' (log)' : ''}</text>`,
  ];
  const markers = (opts.markers ?? []).map((m) => `<line class="marker" x1="${num(x(m.x))}" x2="${num(x(m.x))}" y1="${top}" y2="${bottom}" stroke="#D55E00" stroke-dasharray="4 3"><title>${escapeHtml(m.label)}</title></line>`);
  const legend: string[] = [];
  const lines = series.map((s, i) => {
    const c = s.color ?? PALETTE[i % PALETTE.length];
    legend.push(`<rect x="${8 + (i % 3) * 150}" y="${22 + Math.floor(i / 3) * 14}" width="10" height="10" fill="${c}"/><text x="${22 + (i % 3) * 150}" y="${31 + Math.floor(i / 3) * 14}" ${FONT}>${escapeHtml(s.name)}</text>`);
    const p = s.points.filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y)).sort((a, b) => a.x - b.x);
    if (p.length === 0) return '';
    const d = p.map((q, k) => `${k === 0 ? 'M' : 'L'}${num(x(q.x))},${num(y(q.y))}`).join('');
    const dots = p.map((q) => `<circle class="point" cx="${num(x(q.x))}" cy="${num(y(q.y))}" r="3" fill="${c}"><title>${escapeHtml(q.tip ?? `${s.name}: ${q.y.toPrecision(3)}`)}</title></circle>`);
    return `<path class="series" d="${d}" fill="none" stroke="${c}" stroke-width="1.5"/>${dots.join('')}`;
  });
  return `<svg class="chart" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img"><title>${escapeHtml(title)}</title><text x="8" y="14" ${FONT} font-weight="600">${escapeHtml(title)}</text>${legend.join('')}${grid.join('')}<line x1="${left}" x2="${W - 14}" y1="${bottom}" y2="${bottom}" stroke="#999"/>${markers.join('')}${lines.join('')}</svg>`;
}
