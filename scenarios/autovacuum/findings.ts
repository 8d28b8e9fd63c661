/**
 * autovacuum's figures, series and finding: what each arm's samples say, drawn as lines,
 * and one sentence whose directions are stated only where the samples carry them —
 * dead rows when the quartiles of the two arms' samples do not overlap, p99 by a
 * bootstrap interval over the per-second p99s — and plainly when neither arm could
 * autovacuum at all because the server's naptime was longer than the arm.
 */
import { formatBytes, formatMs } from '../../reports/format.ts';
import type { TimeSeries, TrafficSecond } from '../../reports/schema.ts';
import { bootstrapMedianRatio, quantile } from '../../reports/stats.ts';
import type { Sample } from './sampler.ts';

/** What one arm measured of one table. */
export interface TableFacts {
  table: string;
  index: string;
  /** Autovacuum and autoanalyze runs that ended during the arm. */
  autovacuums: number;
  autoanalyzes: number;
  /** When each autovacuum of the arm ended, seconds from the arm's start (as the samples saw it). */
  autovacuumAt: number[];
  dead: { mean: number; p25: number; p75: number; max: number };
  live: number;
  updates: number;
  /** Heap and index bytes at the first and the last sample (pgstattuple), when it was available. */
  heapBytes?: { first: number; last: number };
  indexBytes?: { first: number; last: number };
  /** Dead and free space of the heap at the last sample, % (pgstattuple). */
  deadPercent?: number;
  freePercent?: number;
}

export interface ArmFacts {
  name: string;
  tables: TableFacts[];
  /** The churn's achieved rate and its per-second p99s (ms), seconds without a completed transaction left out. */
  rate: number;
  p99Ms: number;
  p99PerSecond: number[];
}

/**
 * Per-table figures from an arm's samples. Counts run from the last sample before the
 * churn began to the last one; dead rows are summarised over the samples inside the
 * churn (`window`, seconds on the sampler's clock), so the idle seconds while the
 * engine's threads start weigh in neither arm. `startEpochMs`: the wall clock when the
 * sampler started.
 */
export function tableFacts(samples: readonly Sample[], table: string, index: string, startEpochMs: number, window: { from: number; to: number }): TableFacts {
  const seen = samples.filter((s) => s.tables[table] !== undefined);
  if (seen.length === 0) throw new Error(`autovacuum: no sample saw ${table} in pg_stat_user_tables`);
  const before = seen.filter((s) => s.seconds <= window.from);
  const first = (before.length > 0 ? before[before.length - 1] : seen[0]).tables[table];
  const last = seen[seen.length - 1].tables[table];
  const during = seen.filter((s) => s.seconds >= window.from && s.seconds <= window.to);
  const dead = (during.length > 0 ? during : seen).map((s) => s.tables[table].dead);
  const at = [...new Set(seen.map((s) => s.tables[table].lastAutovacuumMs).filter((ms): ms is number => ms !== undefined && ms !== first.lastAutovacuumMs))].map((ms) => Math.max(0, (ms - startEpochMs) / 1000));
  const bytes = (pick: (t: Sample['tables'][string]) => number | undefined) => {
    const a = pick(first);
    const b = pick(last);
    return a !== undefined && b !== undefined ? { first: a, last: b } : undefined;
  };
  return {
    table,
    index,
    autovacuums: last.autovacuums - first.autovacuums,
    autoanalyzes: last.autoanalyzes - first.autoanalyzes,
    autovacuumAt: at,
    dead: { mean: dead.reduce((a, b) => a + b, 0) / dead.length, p25: quantile(dead, 0.25), p75: quantile(dead, 0.75), max: Math.max(...dead) },
    live: last.live,
    updates: last.updates - first.updates,
    heapBytes: bytes((t) => t.heapBytes),
    indexBytes: bytes((t) => t.indexBytes),
    deadPercent: last.deadPercent,
    freePercent: last.freePercent,
  };
}

/**
 * The arm's lines: per table its dead and live rows, autovacuum runs since the arm
 * began, and with pgstattuple its heap size, heap bloat (dead + free space) and index size
 * and leaf density; and the churn's p99 per second, placed on the samples' clock by
 * `trafficOffset` (seconds from the sampler's start to the measurement window's).
 */
export function armSeries(samples: readonly Sample[], tables: Readonly<Record<string, string>>, traffic: readonly TrafficSecond[], trafficOffset: number): TimeSeries[] {
  const out: TimeSeries[] = [];
  const line = (name: string, unit: TimeSeries['unit'], value: (s: Sample) => number | undefined) => {
    const points = samples.flatMap((s) => {
      const v = value(s);
      return v === undefined || !Number.isFinite(v) ? [] : [{ seconds: round(s.seconds), value: v }];
    });
    if (points.length > 0) out.push({ name, unit, points });
  };
  for (const [table, index] of Object.entries(tables)) {
    const base = samples.find((s) => s.tables[table])?.tables[table];
    line(`n_dead_tup — ${table}`, '', (s) => s.tables[table]?.dead);
    line(`n_live_tup — ${table}`, '', (s) => s.tables[table]?.live);
    line(`autovacuum runs — ${table}`, '', (s) => (s.tables[table] && base ? s.tables[table].autovacuums - base.autovacuums : undefined));
    line(`heap bytes — ${table}`, 'B', (s) => s.tables[table]?.heapBytes);
    line(`heap dead + free space — ${table}`, '%', (s) => {
      const t = s.tables[table];
      return t?.deadPercent !== undefined && t.freePercent !== undefined ? t.deadPercent + t.freePercent : undefined;
    });
    line(`index bytes — ${index}`, 'B', (s) => s.tables[table]?.indexBytes);
    line(`leaf density — ${index}`, '%', (s) => s.tables[table]?.leafDensity);
  }
  const p99 = traffic.filter((x) => x.p99Ms !== undefined).map((x) => ({ seconds: round(trafficOffset + x.second + 1), value: x.p99Ms! }));
  if (p99.length > 0) out.push({ name: 'p99 latency per second — the churn', unit: 'ms', points: p99 });
  return out;
}

const round = (x: number) => Math.round(x * 100) / 100;
/** An index this small (a metapage, a root and a couple of leaves) is at its page floor. */
const FEW_PAGES = 4 * 8192;
const count = (n: number) => Math.round(n).toLocaleString('en-US');
const times = (n: number) => `${n} time${n === 1 ? '' : 's'}`;

/** "fewer"/"more" dead rows for `b` against `a`, only when the middle halves of their samples do not overlap. */
export function deadVerdict(a: TableFacts['dead'], b: TableFacts['dead']): 'fewer' | 'more' | 'no clear difference' {
  if (b.p75 < a.p25) return 'fewer';
  if (b.p25 > a.p75) return 'more';
  return 'no clear difference';
}

/** The tuned arm's p99 against the default's, by the 95 % interval of the ratio of their per-second medians. */
export function p99Verdict(base: ArmFacts, tuned: ArmFacts): string {
  if (base.p99PerSecond.length < 3 || tuned.p99PerSecond.length < 3) return 'too few seconds to compare';
  const ci = bootstrapMedianRatio(base.p99PerSecond, tuned.p99PerSecond);
  const interval = `95 % interval of the ratio ${ci.lower.toFixed(2)}–${ci.upper.toFixed(2)}×`;
  if (ci.upper < 1) return `lower, ${interval}`;
  if (ci.lower > 1) return `higher, ${interval}`;
  return `no clear difference, ${interval}`;
}

function tableClause(base: TableFacts, tuned: TableFacts): string {
  const verdict = deadVerdict(base.dead, tuned.dead);
  const deadText = `${count(tuned.dead.mean)} dead rows on average (peak ${count(tuned.dead.max)}) against ${count(base.dead.mean)} (peak ${count(base.dead.max)})`;
  const grew = (x?: { first: number; last: number }) => (x ? formatBytes(Math.max(0, x.last - x.first)) : '?');
  // An index of a few pages grows by whole pages, if at all: say so rather than compare.
  const floor = (x?: { first: number; last: number }) => x !== undefined && x.last <= FEW_PAGES;
  const indexText = floor(tuned.indexBytes) && floor(base.indexBytes) ? `${tuned.index} stayed at ${grew({ first: 0, last: tuned.indexBytes!.last })}, a few pages, in both` : `${tuned.index} ${grew(tuned.indexBytes)} against ${grew(base.indexBytes)}`;
  const growth = tuned.heapBytes && base.heapBytes ? `; its heap grew ${grew(tuned.heapBytes)} against ${grew(base.heapBytes)} and ${indexText}` : '';
  return `${tuned.table} was autovacuumed ${times(tuned.autovacuums)} against ${times(base.autovacuums)} and held ${deadText}: ${verdict === 'no clear difference' ? 'no clear difference (the middle halves of the samples overlap)' : `${verdict} dead rows`}${growth}`;
}

/** The finding: runs, dead rows, growth per table and the churn's p99, tuned against default. */
export function autovacuumFinding(base: ArmFacts, tuned: ArmFacts, setup: { armSeconds: number; naptime: number; naptimeChanged: boolean; serverNaptime: number }): string {
  const nap = setup.naptimeChanged ? `autovacuum_naptime ${setup.naptime} s, set by pgscale for the scenario in place of the server's ${setup.serverNaptime} s` : `the server's autovacuum_naptime of ${setup.naptime} s`;
  const head = `Under the same churn, ${base.rate.toFixed(0)} transactions/s for ${setup.armSeconds} s per arm (${nap})`;
  const runs = [...base.tables, ...tuned.tables].reduce((a, t) => a + t.autovacuums, 0);
  if (runs === 0) {
    const why = setup.naptime >= setup.armSeconds ? `the naptime is not shorter than the ${setup.armSeconds} s arms` : 'no table passed its threshold in time';
    return `${head}, neither arm saw an autovacuum — ${why} — so this run cannot tell the settings apart; run longer arms (--step) or on a server pgscale manages.`;
  }
  const clauses = base.tables.map((b) => tableClause(b, tuned.tables.find((t) => t.table === b.table)!));
  return `${head}, with the design guide's per-table settings, ${clauses.join('; ')}; the churn's p99 was ${formatMs(tuned.p99Ms)} against ${formatMs(base.p99Ms)} (per-second p99s: ${p99Verdict(base, tuned)}).`;
}
