/**
 * `pgscale merge`: the parts of a load test split over several processes (`traffic
 * --part I/N`) made into the one run they were, as the engine's main thread merges its
 * worker threads: counts summed, HdrHistograms added (so every percentile is the
 * combined histogram's), the per-second series summed second by second with each second's
 * percentiles taken from its merged histogram. Parts of different runs, a part given
 * twice or a part missing are refused: a merge that guessed would pass for a measurement.
 */
import * as hdr from 'hdr-histogram-js';
import { PgscaleError } from '../../core/errors.ts';
import { type MergedPart, type Results, SCHEMA_VERSION, type Traffic, type TrafficPart, type TrafficSecond, type TrafficTransaction } from '../../reports/schema.ts';
import { describeLayout } from '../../reports/fingerprint.ts';
import { latencyOf, newHistogram } from './engine.ts';
import { judgeSlo, parseSlo } from './slo.ts';

/** One part's results document and where it came from (for messages). */
export interface PartDocument {
  file: string;
  results: Results;
}

/** The merged document, and what the user should know about it. */
export interface Merged {
  results: Results;
  warnings: string[];
}

/** Parts whose measurement windows opened further apart than this are merged with a warning: their seconds mix moments. */
export const ALIGNMENT_WARN_SECONDS = 1;

type Part = PartDocument & { traffic: Traffic & { part: TrafficPart } };

const refuse = (message: string, hint: string) => new PgscaleError('UNUSABLE_INPUT', message, { hint });

/** Decode HdrHistograms (µs, compressed base64) and add them into one. */
export function addHistograms(encoded: readonly string[]): hdr.Histogram {
  const sum = newHistogram();
  for (const e of encoded) sum.add(hdr.decodeFromCompressedBase64(e));
  return sum;
}

/** Check that `parts` are all the parts of one run, each once, with what an exact merge needs. */
function checkParts(docs: readonly PartDocument[]): Part[] {
  const parts: Part[] = docs.map((d) => {
    const t = d.results.traffic;
    if (!t) {
      const capacity = d.results.scenarios.some((s) => s.capacity);
      throw refuse(`${d.file} holds no load test${capacity ? ' (it is a capacity search, which cannot be split)' : ''}`, 'Give the results.json of each `pgscale traffic --part I/N` run.');
    }
    if (!t.part) throw refuse(`${d.file} is a whole load test, not a part (it was run without --part)`, 'Only the parts of one split run are merged: run `pgscale traffic --part I/N` on each machine.');
    const missing = [t, ...t.perTransaction].some((x) => x.series.some((s) => s.transactions > 0 && s.histogram === undefined));
    if (missing) throw refuse(`${d.file} has no per-second histograms, so its seconds cannot be merged exactly`, 'Run the parts again with this version of pgscale.');
    return { ...d, traffic: t as Traffic & { part: TrafficPart } };
  });
  if (parts.length === 0) throw refuse('nothing to merge', 'Give the results.json of every part: pgscale merge A/results.json B/results.json … --out DIR.');
  const n = parts[0].traffic.part.count;
  const counts = new Set(parts.map((p) => p.traffic.part.count));
  if (counts.size > 1) throw refuse(`the parts were split differently (${parts.map((p) => `${p.file}: part ${p.traffic.part.index}/${p.traffic.part.count}`).join(', ')})`, 'Merge the parts of one run, all run with the same N.');
  const byIndex = new Map<number, Part>();
  for (const p of parts) {
    const seen = byIndex.get(p.traffic.part.index);
    if (seen) throw refuse(`part ${p.traffic.part.index}/${n} was given twice (${seen.file} and ${p.file})`, 'Give each part once.');
    byIndex.set(p.traffic.part.index, p);
  }
  const absent = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (absent.length) {
    throw refuse(`part${absent.length > 1 ? 's' : ''} ${absent.map((i) => `${i}/${n}`).join(', ')} ${absent.length > 1 ? 'are' : 'is'} missing: a merge of some parts would understate the load`, `Give the results.json of all ${n} parts.`);
  }
  const sorted = [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!);
  checkSameRun(sorted);
  return sorted;
}

/** What must be equal in every part of one run, by name. */
function runIdentity(p: Part): Record<string, string> {
  const t = p.traffic;
  const r = p.results;
  return {
    'the mode': t.mode,
    'the workload': `${t.workload.kind} ${t.workload.name} (${t.workload.sources.join(', ')})`,
    'the transaction types': t.perTransaction.map((x) => `${x.name}@${x.weight}`).join(', '),
    'the whole run (connections, rate, stages)': JSON.stringify(t.part.of),
    'the arrivals': String(t.arrivals ?? '-'),
    'the warm-up': `${t.warmupSeconds} s`,
    'the measurement window': t.partial ? '(partial)' : `${t.durationSeconds} s`,
    'the SLO': t.slo?.spec ?? '-',
    'the data set': t.dataset?.schema ?? '-',
    'the shard layout': describeLayout(r.shardLayout),
    'the data parameters': JSON.stringify(r.params),
    'the pgscale version': r.tool.version,
    'the server': `${r.environment.target} ${r.environment.server ?? ''}`.trim(),
  };
}

/** Refuse parts of different runs: other parameters, or measurement windows that never overlapped. */
function checkSameRun(parts: Part[]): void {
  const first = runIdentity(parts[0]);
  for (const p of parts.slice(1)) {
    const id = runIdentity(p);
    for (const [what, value] of Object.entries(first)) {
      if (id[what] === value || id[what] === '(partial)' || value === '(partial)') continue;
      throw refuse(`${parts[0].file} and ${p.file} are parts of different runs: ${what} differs (${value} / ${id[what]})`, 'Merge the parts of one run: the same command line on every machine but for --part.');
    }
  }
  const windows = parts.map((p) => {
    const start = Date.parse(p.traffic.part.windowStartedAt);
    return { p, start, end: start + p.traffic.durationSeconds * 1000 };
  });
  const latestStart = Math.max(...windows.map((w) => w.start));
  const earliestEnd = Math.min(...windows.map((w) => w.end));
  if (latestStart >= earliestEnd) {
    const w = windows.map((x) => `${x.p.file} ${new Date(x.start).toISOString()} – ${new Date(x.end).toISOString()}`).join('; ');
    throw refuse(`the parts' measurement windows do not overlap (${w}): they are parts of different runs, or ran one after another`, 'Run the parts at the same time (--start-at gives them one start), then merge them.');
  }
}

/** Sum two optional counts: absent only when absent in both. */
function addOptional(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
}

/** The parts' series second by second: counts summed, percentiles from the second's merged histogram. */
export function mergeSeries(series: ReadonlyArray<readonly TrafficSecond[]>): TrafficSecond[] {
  const bySecond = new Map<number, TrafficSecond[]>();
  for (const s of series.flat()) bySecond.set(s.second, [...(bySecond.get(s.second) ?? []), s]);
  return [...bySecond.keys()]
    .sort((a, b) => a - b)
    .map((second) => {
      const xs = bySecond.get(second)!;
      const out: TrafficSecond = { second, transactions: 0, errors: 0 };
      for (const x of xs) {
        out.transactions += x.transactions;
        out.errors += x.errors;
        out.offered = addOptional(out.offered, x.offered);
        out.busy = addOptional(out.busy, x.busy);
      }
      if (out.offered === undefined) delete out.offered;
      if (out.busy === undefined) delete out.busy;
      const h = addHistograms(xs.flatMap((x) => (x.histogram ? [x.histogram] : [])));
      if (h.totalCount > 0) {
        const l = latencyOf(h);
        out.p50Ms = l.p50;
        out.p99Ms = l.p99;
        out.maxMs = l.max;
      }
      out.histogram = hdr.encodeIntoCompressedBase64(h);
      const lags = xs.flatMap((x) => (x.lagHistogram ? [x.lagHistogram] : []));
      if (lags.length) {
        const lag = addHistograms(lags);
        out.lagP99Ms = lag.totalCount ? lag.getValueAtPercentile(99) / 1000 : 0;
        out.lagHistogram = hdr.encodeIntoCompressedBase64(lag);
      }
      return out;
    });
}

function sumBy<T>(xs: readonly T[], f: (x: T) => number): number {
  return xs.reduce((a, x) => a + f(x), 0);
}

function addCodes(maps: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of maps) for (const [code, n] of Object.entries(m)) out[code] = (out[code] ?? 0) + n;
  return out;
}

/** Merge the parts of one split load test into the whole run's results document. */
export function mergeParts(docs: readonly PartDocument[]): Merged {
  const parts = checkParts(docs);
  const ts = parts.map((p) => p.traffic);
  const t0 = ts[0];
  const warnings: string[] = [];
  const starts = ts.map((t) => Date.parse(t.part.windowStartedAt));
  const skew = (Math.max(...starts) - Math.min(...starts)) / 1000;
  if (skew > ALIGNMENT_WARN_SECONDS) {
    warnings.push(`the parts' measurement windows opened ${skew.toFixed(1)} s apart: second k of the merged series adds moments that far apart (start the parts together with --start-at)`);
  }
  const overall = addHistograms(ts.map((t) => t.histogram));
  const transactions = sumBy(ts, (t) => t.transactions);
  const errors = sumBy(ts, (t) => t.errors);
  const achievedRate = sumBy(ts, (t) => t.achievedRate);
  const perTransaction: TrafficTransaction[] = t0.perTransaction.map((x, i) => {
    const all = ts.map((t) => t.perTransaction[i]);
    const h = addHistograms(all.map((a) => a.histogram));
    return {
      name: x.name,
      weight: x.weight,
      transactions: sumBy(all, (a) => a.transactions),
      errors: sumBy(all, (a) => a.errors),
      retries: sumBy(all, (a) => a.retries),
      errorsBySqlstate: addCodes(all.map((a) => a.errorsBySqlstate)),
      latencyMs: latencyOf(h),
      histogram: hdr.encodeIntoCompressedBase64(h),
      series: mergeSeries(all.map((a) => a.series)),
    };
  });
  const lagEncoded = ts.flatMap((t) => (t.scheduleLagHistogram ? [t.scheduleLagHistogram] : []));
  const lag = addHistograms(lagEncoded);
  const partial = ts.some((t) => t.partial) || parts.some((p) => p.results.partial);
  const reasons = ts.flatMap((t) => (t.clientBoundReasons ?? []).map((r) => `part ${t.part.index}/${t.part.count}: ${r}`));
  const defaults: Record<string, number> = {};
  for (const t of ts) for (const [table, n] of Object.entries(t.dataset?.defaultPartitionRows ?? {})) defaults[table] = Math.max(defaults[table] ?? 0, n);
  const traffic: Traffic = {
    mode: t0.mode,
    workload: t0.workload,
    targetRate: t0.mode === 'open' ? sumBy(ts, (t) => t.targetRate ?? 0) : null,
    achievedRate,
    ...(t0.arrivals ? { arrivals: t0.arrivals } : {}),
    ...(t0.part.of.stages ? { stages: t0.part.of.stages } : {}),
    clients: sumBy(ts, (t) => t.clients),
    threads: sumBy(ts, (t) => t.threads),
    durationSeconds: Math.min(...ts.map((t) => t.durationSeconds)),
    warmupSeconds: t0.warmupSeconds,
    transactions,
    dropped: sumBy(ts, (t) => t.dropped),
    errors,
    retries: sumBy(ts, (t) => t.retries),
    reconnects: sumBy(ts, (t) => t.reconnects),
    errorsBySqlstate: addCodes(ts.map((t) => t.errorsBySqlstate)),
    latencyMs: latencyOf(overall),
    scheduleLagMs: lag.totalCount ? { p50: lag.getValueAtPercentile(50) / 1000, p99: lag.getValueAtPercentile(99) / 1000, max: lag.maxValue / 1000 } : { p50: 0, p99: 0, max: 0 },
    ...(lagEncoded.length ? { scheduleLagHistogram: hdr.encodeIntoCompressedBase64(lag) } : {}),
    histogram: hdr.encodeIntoCompressedBase64(overall),
    perTransaction,
    series: mergeSeries(ts.map((t) => t.series)),
    client: {
      threads: sumBy(ts, (t) => t.client.threads),
      cpuSeconds: sumBy(ts, (t) => t.client.cpuSeconds),
      cpuCores: sumBy(ts, (t) => t.client.cpuCores ?? 0),
      eventLoopLagP99Ms: Math.max(...ts.map((t) => t.client.eventLoopLagP99Ms)),
      eventLoopUtilization: Math.max(...ts.map((t) => t.client.eventLoopUtilization ?? 0)),
    },
    clientBound: ts.some((t) => t.clientBound),
    ...(reasons.length ? { clientBoundReasons: reasons } : {}),
    ...(t0.dataset ? { dataset: { schema: t0.dataset.schema, ...(Object.keys(defaults).length ? { defaultPartitionRows: defaults } : {}) } } : {}),
    ...(partial ? { partial: true, stoppedBecause: ts.flatMap((t) => (t.stoppedBecause ? [`part ${t.part.index}/${t.part.count}: ${t.stoppedBecause}`] : [])).join('; ') || 'a part ended early' } : {}),
    ...(t0.shards
      ? {
          shards: {
            count: t0.shards.count,
            placement: t0.shards.placement,
            crossShardTransactions: sumBy(ts, (t) => t.shards?.crossShardTransactions ?? 0),
            perShard: t0.shards.perShard.map((x, i) => ({
              shard: x.shard,
              transactions: sumBy(ts, (t) => t.shards?.perShard[i]?.transactions ?? 0),
              errors: sumBy(ts, (t) => t.shards?.perShard[i]?.errors ?? 0),
              rate: sumBy(ts, (t) => t.shards?.perShard[i]?.rate ?? 0),
            })),
          },
        }
      : {}),
    mergedFrom: ts.map(
      (t): MergedPart => ({
        index: t.part.index,
        count: t.part.count,
        ...(t.part.host ? { host: t.part.host } : {}),
        windowStartedAt: t.part.windowStartedAt,
        clients: t.clients,
        targetRate: t.targetRate,
        transactions: t.transactions,
        clientBound: t.clientBound,
      }),
    ),
  };
  if (t0.slo) {
    traffic.slo = judgeSlo(parseSlo(t0.slo.spec), { latencyAt: (q) => (overall.totalCount ? overall.getValueAtPercentile(q) / 1000 : 0), transactions, errors, achievedRate });
  }
  const r0 = parts[0].results;
  const times = (f: (r: Results) => string | undefined) => parts.flatMap((p) => (f(p.results) ? [f(p.results)!] : [])).sort();
  const started = times((r) => r.startedAt);
  const finished = times((r) => r.finishedAt);
  const results: Results = {
    schemaVersion: SCHEMA_VERSION,
    tool: r0.tool,
    environment: r0.environment,
    params: r0.params,
    ...(started.length ? { startedAt: started[0] } : {}),
    ...(finished.length ? { finishedAt: finished[finished.length - 1] } : {}),
    scenarios: [],
    traffic,
    ...(r0.shardLayout ? { shardLayout: r0.shardLayout } : {}),
    ...(partial ? { partial: true } : {}),
  };
  const cpus = new Set(parts.map((p) => `${p.results.environment.cpu} ×${p.results.environment.cpus}`));
  if (cpus.size > 1) warnings.push(`the parts ran on different client machines (${[...cpus].join(', ')}); the merged results name the first part's`);
  return { results, warnings };
}
