/**
 * How numbers read in every report: bytes in binary units, latencies with a precision
 * that fits their size, signed percentages. Shared by the Markdown, HTML and compare
 * renderers so the same value looks the same everywhere.
 */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  let v = Math.abs(bytes);
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const text = i === 0 ? String(Math.round(v)) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${bytes < 0 ? '-' : ''}${text} ${BYTE_UNITS[i]}`;
}

/** 0.01234 → "0.0123 ms", 12.345 → "12.3 ms", 1234 → "1,234 ms". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const a = Math.abs(ms);
  if (a >= 1000) return `${Math.round(ms).toLocaleString('en-US')} ms`;
  return `${ms.toPrecision(3)} ms`;
}

/** A plain number with three significant digits (thousands separated when large). */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Number.isInteger(v)) return String(v);
  return v.toPrecision(3);
}

/** A row count as findings write it: `1000000000` → `1b`, `300000` → `300k`, `1500000` → `1.5m`, else with separators. */
export function formatRows(n: number): string {
  for (const [div, unit] of [[1e9, 'b'], [1e6, 'm'], [1e3, 'k']] as const) if (n >= div && n % (div / 10) === 0) return `${n / div}${unit}`;
  return n.toLocaleString('en-US');
}

/** A value in its unit: bytes, ms, ops/s, s, × or bare. */
export function formatValue(v: number | undefined, unit: string): string {
  if (v === undefined) return '–';
  switch (unit) {
    case 'B':
      return formatBytes(v);
    case 'ms':
      return formatMs(v);
    case 'ops/s':
      return `${formatNumber(v)} ops/s`;
    case 's':
      return `${formatNumber(v)} s`;
    case 'x':
      return `${formatNumber(v)}×`;
    case '%':
      return `${formatNumber(v)} %`;
    default:
      return formatNumber(v);
  }
}

/** 0.123 → "+12.3%", -0.05 → "−5.0%", Infinity → "new". */
export function formatChange(change: number | undefined): string {
  if (change === undefined || Number.isNaN(change)) return '–';
  if (!Number.isFinite(change)) return change > 0 ? '+∞' : '−∞';
  const text = `${Math.abs(change * 100).toFixed(1)}%`;
  return change > 0 ? `+${text}` : change < 0 ? `−${text}` : '0.0%';
}

/** A p-value for people: "0.032", "3.1e-5", "<1e-12". */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return '–';
  if (p < 1e-12) return '<1e-12';
  return p < 0.001 ? p.toExponential(1) : p.toPrecision(2);
}

/** 0.9993 → "99.9%". */
export function formatConfidence(c: number | undefined): string {
  if (c === undefined || !Number.isFinite(c)) return '–';
  return `${Math.min(99.9, c * 100).toFixed(c >= 0.999 ? 1 : 0)}%`;
}

/** The latency fields tailMarks reads (a QueryResult has them all). */
export interface LatencyHonesty {
  latencyMs: { p50: number; p99: number };
  samples: number;
  state?: 'completed' | 'capped' | 'timed-out';
  underSampled?: ReadonlyArray<'p99' | 'p999'>;
}

/** Footnote marks: † p99 is only the maximum, ‡ sampling was cut short, ≥ the one execution was cut off. */
export const LATENCY_FOOTNOTES = {
  underSampled: '† p99 from fewer than 100 samples (p999: fewer than 1000) is the slowest sample, not a percentile; n is the sample count.',
  capped: '‡ the hard cap stopped sampling early: fewer samples than the minimum asked for.',
  timedOut: '≥ the one execution was cut off at the hard cap by statement_timeout: a lower bound, not a latency.',
} as const;

/**
 * "p50 / p99" with what they rest on: `1.2 ms / 3.4 ms† (n=37)`, `≥ 3,000 ms` for a
 * timed-out execution, a ‡ when the cap cut sampling short. The marks used are returned
 * so the renderer can print their footnotes once.
 */
export function formatLatencyPair(q: LatencyHonesty): { text: string; marks: Array<keyof typeof LATENCY_FOOTNOTES> } {
  if (q.state === 'timed-out') return { text: `≥ ${formatMs(q.latencyMs.p50)}`, marks: ['timedOut'] };
  const marks: Array<keyof typeof LATENCY_FOOTNOTES> = [];
  const under = q.underSampled?.includes('p99') ?? false;
  if (under) marks.push('underSampled');
  if (q.state === 'capped') marks.push('capped');
  const text = `${formatMs(q.latencyMs.p50)} / ${formatMs(q.latencyMs.p99)}${under ? '†' : ''}${q.state === 'capped' ? '‡' : ''}${under ? ` (n=${q.samples})` : ''}`;
  return { text, marks };
}

/** "enum-storage/smallint eq-filter p50", or "n-plus-one status" for scenario-wide metrics. */
export function metricTitle(m: { scenario: string; variant: string; label: string }): string {
  return m.variant === '-' ? `${m.scenario} ${m.label}` : `${m.scenario}/${m.variant} ${m.label}`;
}

/** Escape a cell for a Markdown table: pipes and newlines would break the row. */
export function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
