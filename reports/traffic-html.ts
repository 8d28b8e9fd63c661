/**
 * The HTML section of a load test (`results.traffic`): the same notices, facts, SLO and
 * latency table as the Markdown, plus charts — throughput and the p50 and p99 latency
 * per second over the run (one line for the whole run and one per transaction type), and
 * the latency percentile spectrum decoded from the HdrHistograms.
 */
import { escapeHtml, formatMs, formatNumber } from './format.ts';
import type { Traffic, TrafficSecond } from './schema.ts';
import { median } from './stats.ts';
import { lineChart, PALETTE, type Series } from './svg.ts';
import { LATENCY_COLUMNS, latencyRows, sloHeadline, trafficFacts, trafficNotices, trafficTitle, type Notice } from './traffic-facts.ts';
import { decodeHistogram, percentileSpectrum, spectrumReach, spectrumTicks } from './traffic-spectrum.ts';

/** Most points per line over time: a longer run is drawn in buckets of several seconds. */
const MAX_POINTS = 300;

interface Line {
  name: string;
  color: string;
  series: readonly TrafficSecond[];
  histogram: string;
}

/** The whole run in black, then each transaction type in the palette's colours. */
function linesOf(t: Traffic): Line[] {
  const colors = PALETTE.filter((c) => c !== '#000000');
  return [
    { name: 'all', color: '#000000', series: t.series, histogram: t.histogram },
    ...t.perTransaction.map((x, i) => ({ name: x.name, color: colors[i % colors.length], series: x.series, histogram: x.histogram })),
  ];
}

/** The run's seconds cut into `width`-second buckets: [first second, the bucket's seconds (undefined where none recorded)]. */
function buckets(series: readonly TrafficSecond[], seconds: number, width: number): Array<[number, Array<TrafficSecond | undefined>]> {
  const bySecond = new Map(series.map((s) => [s.second, s]));
  const out: Array<[number, Array<TrafficSecond | undefined>]> = [];
  for (let start = 0; start < seconds; start += width) {
    const secs: Array<TrafficSecond | undefined> = [];
    for (let s = start; s < Math.min(seconds, start + width); s++) secs.push(bySecond.get(s));
    out.push([start, secs]);
  }
  return out;
}

function overTime(t: Traffic): string {
  const seconds = Math.max(0, ...[t.series, ...t.perTransaction.map((x) => x.series)].flat().map((s) => s.second + 1));
  if (seconds === 0) return '<p class="muted">No per-second series recorded.</p>';
  const width = Math.ceil(seconds / MAX_POINTS);
  const lines = linesOf(t);
  const per = width === 1 ? 'per second' : `per ${width}-second bucket`;
  const chart = (title: string, yLabel: string, yLog: boolean | undefined, pick: (secs: Array<TrafficSecond | undefined>) => number | undefined, extra: Series[] = []) =>
    lineChart(
      title,
      [
        ...lines.map((l) => ({
          name: l.name,
          color: l.color,
          points: buckets(l.series, seconds, width).flatMap(([x, secs]) => {
            const y = pick(secs);
            return y === undefined || !Number.isFinite(y) ? [] : [{ x, y, tip: `${l.name}, second ${x}: ${formatNumber(y)} ${yLabel}` }];
          }),
        })),
        ...extra,
      ],
      { xLabel: 'second of the measurement', yLabel, xLog: false, yLog },
    );
  const meanOf = (secs: Array<TrafficSecond | undefined>, f: (s: TrafficSecond | undefined) => number) => secs.reduce((a, s) => a + f(s), 0) / secs.length;
  const defined = (xs: Array<number | undefined>) => xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  const offered: Series[] =
    t.mode === 'open' && t.series.some((s) => s.offered !== undefined)
      ? [
          {
            name: 'offered',
            color: '#7f7f7f',
            points: buckets(t.series, seconds, width).map(([x, secs]) => {
              const y = meanOf(secs, (s) => s?.offered ?? 0);
              return { x, y, tip: `offered, second ${x}: ${formatNumber(y)} tx/s` };
            }),
          },
        ]
      : [];
  const charts = [
    // Linear from zero: the whole run against the offered rate is what to read, not the ratios of small lines.
    chart(`Throughput ${per} (mean)`, 'tx/s', false, (secs) => meanOf(secs, (s) => s?.transactions ?? 0), offered),
    chart(`p50 latency ${per}${width === 1 ? '' : ' (median)'}`, 'ms', undefined, (secs) => {
      const v = defined(secs.map((s) => s?.p50Ms));
      return v.length > 0 ? median(v) : undefined;
    }),
    chart(`p99 latency ${per}${width === 1 ? '' : ' (worst second)'}`, 'ms', undefined, (secs) => {
      const v = defined(secs.map((s) => s?.p99Ms));
      return v.length > 0 ? Math.max(...v) : undefined;
    }),
  ];
  return `<h3>Over time</h3><p class="muted">Seconds counted from the end of the warm-up; latency from each transaction's intended start.</p><div class="grid">${charts.join('')}</div>`;
}

function spectrum(t: Traffic): string {
  const decoded = linesOf(t).map((l) => ({ line: l, d: decodeHistogram(l.histogram) }));
  const problems = decoded.flatMap(({ line, d }) => ('error' in d ? [`${line.name}: ${d.error}`] : []));
  const usable = decoded.flatMap(({ line, d }) => ('histogram' in d && d.histogram.totalCount > 0 ? [{ line, h: d.histogram }] : []));
  const reach = spectrumReach(Math.max(0, ...usable.map((u) => u.h.totalCount)));
  const series: Series[] = usable.map(({ line, h }) => ({
    name: line.name,
    color: line.color,
    points: percentileSpectrum(h, reach).map((p) => ({ x: p.x, y: p.ms, tip: `${line.name} p${Number(p.percent.toFixed(4))}: ${formatMs(p.ms)}` })),
  }));
  const chart = lineChart('Latency percentile spectrum', series, { xLabel: 'percentile (log scale of 1/(1−q))', yLabel: 'ms', xLog: false, xTicks: spectrumTicks(reach) });
  const note = problems.length > 0 ? `<p class="warn">${problems.map(escapeHtml).join('<br>')}</p>` : '';
  return `<h3>Latency percentile spectrum</h3><p class="muted">Latency at each percentile from the merged HdrHistograms; 90 %, 99 %, 99.9 % … are evenly spaced so the tail gets as much room as the body. Past the last recorded value a line stays at the maximum.</p><div class="grid spectrum">${chart}</div>${note}`;
}

function latencyTable(t: Traffic): string {
  const head = ['transaction', 'weight', 'transactions', 'errors', ...LATENCY_COLUMNS.map((c) => c.label)].map((h) => `<th>${h}</th>`).join('');
  const rows = latencyRows(t).map((r) => {
    const name = r.weight === undefined ? `<b>${escapeHtml(r.name)}</b>` : escapeHtml(r.name);
    const cells = [r.weight === undefined ? '–' : formatNumber(r.weight), formatNumber(r.transactions), formatNumber(r.errors), ...LATENCY_COLUMNS.map((c) => formatMs(r.latencyMs[c.key]))];
    return `<tr><td>${name}</td>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  return `<h3>Latency per transaction</h3><p class="muted">From each transaction's intended start, so time spent queueing behind a slow server counts.</p><table class="per-transaction"><tr>${head}</tr>${rows.join('')}</table>`;
}

function notice(n: Notice, cls: string): string {
  return `<p class="${cls}"><b>${escapeHtml(n.lead)}</b>: ${escapeHtml(n.text)}</p>`;
}

function sloBlock(t: Traffic): string {
  const headline = sloHeadline(t);
  if (!t.slo || !headline) return '';
  const rows = t.slo.checks.map((c) => `<tr><td>${escapeHtml(c.term)}</td><td>${formatNumber(c.actual)}</td><td>${formatNumber(c.limit)}</td><td class="${c.met ? 'improved' : 'regressed'}">${c.met ? 'yes' : 'no'}</td></tr>`);
  return `<p class="${t.slo.met ? 'improved' : 'regressed'}">${escapeHtml(headline)}</p><table><tr><th>check</th><th>actual</th><th>limit</th><th>met</th></tr>${rows.join('')}</table>`;
}

/** The load test as one HTML section (id `traffic`). */
export function trafficSection(t: Traffic): string {
  // The client-bound notice is the one that changes what every figure means: it gets the error style.
  const notices = trafficNotices(t).map((n, i) => notice(n, i === 0 && t.clientBound ? 'error' : 'warn')).join('');
  const facts = trafficFacts(t).map((f) => `<li><b>${escapeHtml(f.label)}</b> ${escapeHtml(f.text)}</li>`).join('');
  return `<section id="traffic"><h2>Traffic: ${escapeHtml(trafficTitle(t))}</h2>${notices}<ul>${facts}</ul>${sloBlock(t)}${latencyTable(t)}${overTime(t)}${spectrum(t)}</section>`;
}
