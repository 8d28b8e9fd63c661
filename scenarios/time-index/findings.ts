/** time-index's computed finding and notes: sentences built from the measured numbers only. */
import { formatBytes, formatMs } from '../../reports/format.ts';
import type { QueryResult } from '../../reports/schema.ts';
import type { ScenarioVariant } from '../index.ts';
import { REPS } from './copy-probe.ts';
import type { Ordering, TimeIndexMetric, VariantMeasure } from './index.ts';

const bytes = formatBytes;

function ms(n: number | undefined): string {
  return n === undefined ? '?' : formatMs(n);
}

/** A correlation to two places, without a "-0.00". */
function corr(c: number): string {
  const t = c.toFixed(2);
  return t === '-0.00' ? '0.00' : t;
}

/** "12× smaller" when b < a, "1.8× larger" when not (a tiny copy can make BRIN's per-partition floor the bigger index). */
function ratio(a: number | undefined, b: number | undefined, less: string, more: string): string {
  if (!a || !b) return `?× ${less}`;
  const r = a >= b ? a / b : b / a;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}× ${a >= b ? less : more}`;
}

/** Heap blocks a plan visited through a bitmap (exact + lossy), or undefined when it used none. */
export function heapBlocks(q: QueryResult | undefined): number | undefined {
  const s = q?.planSummary;
  if (!s || (s.heapBlocksExact === undefined && s.heapBlocksLossy === undefined)) return undefined;
  return (s.heapBlocksExact ?? 0) + (s.heapBlocksLossy ?? 0);
}

/** Finding and notes from the variants' measures. */
export function describeFindings(
  measures: VariantMeasure[],
  correlation: Record<Ordering, number>,
  sliceRows: number,
  copy: { copied: number; total: number },
): { finding: string; notes: string[] } {
  const v = (name: string): ScenarioVariant<TimeIndexMetric> | undefined => measures.find((m) => m.variant.name === name)?.variant;
  const q = (name: string, sel: string) => v(name)?.queries.find((x) => x.name === `range-${sel}`);
  const p50 = (name: string, sel: string) => q(name, sel)?.latencyMs.p50;
  const metric = (name: string, key: TimeIndexMetric) => v(name)?.metrics[key];

  const btreeBytes = metric('btree', 'indexBytes');
  const brinBytes = metric('brin', 'indexBytes');
  const finding =
    `BRIN on created_at is ${ratio(btreeBytes, brinBytes, 'smaller', 'larger')} than the B-tree (${bytes(brinBytes ?? 0)} vs ${bytes(btreeBytes ?? 0)}) ` +
    `and builds ${ratio(metric('btree', 'buildSeconds'), metric('brin', 'buildSeconds'), 'faster', 'slower')}; a day's range takes ${ms(p50('brin', 'day'))} with BRIN ` +
    `vs ${ms(p50('btree', 'day'))} with the B-tree on time-ordered rows (correlation ${corr(correlation.ordered)}), but on shuffled rows ` +
    `(correlation ${corr(correlation.shuffled)}) BRIN reads ${heapBlocks(q('brin-shuffled', 'day'))?.toLocaleString('en-US') ?? '?'} heap blocks ` +
    `instead of ${heapBlocks(q('brin', 'day'))?.toLocaleString('en-US') ?? '?'} and takes ${ms(p50('brin-shuffled', 'day'))} (no index: ${ms(p50('none-shuffled', 'day'))}).`;

  // One clause per variant: "brin (hour, day): Seq Scan".
  const unforced = measures
    .filter((m) => m.unforced.length > 0)
    .map((m) => {
      const plans = [...new Set(m.unforced.map((u) => u.plan))].join(' / ');
      return `${m.variant.name} (${m.unforced.map((u) => u.selectivity).join(', ')}): ${plans}`;
    });
  const none = q('none', 'hour')?.planSummary;
  const notes = [
    `The indexes are built on copies of the two calendar months the ranges touch (${copy.copied.toLocaleString('en-US')} of ${copy.total.toLocaleString('en-US')} messages), not of the whole table: ` +
      `the queries read no other month, and two whole-table copies would cost twice the table plus its WAL at production scale. Index sizes and build times are for that copy; bytes per row carry over, BRIN's per-partition floor does not grow with rows.`,
    `Index variants run with enable_seqscan = off so each measures the access path it is named for (labelled forced=enable_seqscan=off). ` +
      (unforced.length === 0 ? 'The planner chose the index on its own in every case too.' : `Left alone the planner would choose otherwise for: ${unforced.join('; ')}.`),
    `pg_stats.correlation of created_at (weighted over partitions): ${correlation.ordered.toFixed(3)} as loaded, ${correlation.shuffled.toFixed(3)} shuffled. ` +
      `A BRIN range keeps only a min/max (minmax-multi: a few intervals), so with shuffled rows nearly every range overlaps the query and its pages are read lossily.`,
    `COPY of ${sliceRows.toLocaleString('en-US')} rows into an empty partitioned copy (median of ${REPS}), relative to no index — ` +
      ['btree', 'brin', 'brin-16', 'brin-multi'].map((k) => `${k} ×${(metric(k, 'copySlowdown') ?? 0).toFixed(2)}`).join(', ') +
      `; shuffled input: B-tree ×${(metric('btree-shuffled', 'copySlowdown') ?? 0).toFixed(2)}. ` +
      `BRIN does not summarize page ranges filled by new rows (autosummarize is off by default; VACUUM or brin_summarize_new_values() does it), so its ingest cost is deferred, and unsummarized ranges are always read.`,
    `pages_per_range 16 vs 128 on a day's range: ${heapBlocks(q('brin-16', 'day'))?.toLocaleString('en-US') ?? '?'} vs ${heapBlocks(q('brin', 'day'))?.toLocaleString('en-US') ?? '?'} heap blocks read, ` +
      `for an index of ${bytes(metric('brin-16', 'indexBytes') ?? 0)} vs ${bytes(brinBytes ?? 0)}.`,
    ...(none?.partitionsScanned !== undefined && brinBytes && btreeBytes
      ? [
          `Each BRIN index here is ${(brinBytes / 8192 / (none.partitionsScanned + (none.partitionsPruned ?? 0))).toFixed(1)} pages per partition on average over all ${none.partitionsScanned + (none.partitionsPruned ?? 0)} ` +
            `(metapage and range map; a summary page and free-space map where the copy has rows) — ` +
            `its floor: one summary page covers hundreds of ranges, so BRIN barely grows with the table, while the B-tree costs ${(btreeBytes / Math.max(1, v('btree')?.sizes.find((e) => e.kind === 'table')?.rows ?? 1)).toFixed(1)} bytes per row and grows linearly.`,
        ]
      : []),
    ...(none?.partitionsScanned !== undefined
      ? [`Monthly partitions prune the hour's range to ${none.partitionsScanned} partition(s) (${none.partitionsPruned ?? 0} pruned), so even without an index only that month is scanned: the index decides how much of the partition is read.`]
      : []),
  ];
  return { finding, notes };
}
