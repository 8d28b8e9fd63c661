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
