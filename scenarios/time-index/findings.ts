/** time-index's computed finding and notes: sentences built from the measured numbers only. */
import { formatBytes, formatMs, formatRows } from '../../reports/format.ts';
import type { QueryResult } from '../../reports/schema.ts';
import type { ScenarioVariant } from '../index.ts';
import { REPS } from './copy-probe.ts';
import type { Ordering, TimeIndexMetric, VariantMeasure } from './index.ts';
import type { Production, RangePrice } from './projection.ts';

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
  // Two significant figures: a projection's last digits are not measured.
  const text = r >= 100 ? `about ${Number(r.toPrecision(2)).toLocaleString('en-US')}` : r >= 10 ? r.toFixed(0) : r.toFixed(1);
  return `${text}× ${a >= b ? less : more}`;
}

/** Heap blocks a plan visited through a bitmap (exact + lossy), or undefined when it used none. */
export function heapBlocks(q: QueryResult | undefined): number | undefined {
  const s = q?.planSummary;
  if (!s || (s.heapBlocksExact === undefined && s.heapBlocksLossy === undefined)) return undefined;
  return (s.heapBlocksExact ?? 0) + (s.heapBlocksLossy ?? 0);
}

/** What the sizes were projected to, and what a BRIN range costs where the probes could tell. */
export interface ProjectionInput {
  production: Production;
  range: { 'brin-probe'?: RangePrice; 'brin-multi-probe'?: RangePrice };
  /** Messages of the data set the copy was taken from. */
  measuredRows: number;
  /** The run's scale, when that data set was a --sample of it. */
  sampledFrom?: number;
}

/** Finding and notes from the variants' measures. */
export function describeFindings(
  measures: VariantMeasure[],
  correlation: Record<Ordering, number>,
  sliceRows: number,
  copy: { copied: number; total: number },
  proj: ProjectionInput,
): { finding: string; notes: string[] } {
  const v = (name: string): ScenarioVariant<TimeIndexMetric> | undefined => measures.find((m) => m.variant.name === name)?.variant;
  const q = (name: string, sel: string) => v(name)?.queries.find((x) => x.name === `range-${sel}`);
  const p50 = (name: string, sel: string) => q(name, sel)?.latencyMs.p50;
  const metric = (name: string, key: TimeIndexMetric) => v(name)?.metrics[key];

  const btreeBytes = metric('btree', 'indexBytes');
  const brinBytes = metric('brin', 'indexBytes');
  // Like with like: the partitions holding the copied rows, never the empty ones' floors.
  const leaves = measures.find((m) => m.variant.name === 'btree')?.leaves;
  const populated = leaves?.populated.partitions ?? 0;
  const btreeHeld = metric('btree', 'populatedIndexBytes');
  const brinHeld = metric('brin', 'populatedIndexBytes');
  const { production } = proj;
  const projected = (name: string) => measures.find((m) => m.variant.name === name)?.projected;
  const at = `${formatRows(production.rows)} messages in ${production.populated} monthly partitions`;
  const measured = `measured on ${formatRows(proj.measuredRows)}${proj.sampledFrom !== undefined ? ` (a --sample of ${formatRows(proj.sampledFrom)})` : ''}`;
  const projection =
    projected('btree') !== undefined && projected('brin') !== undefined
      ? `projected to ${at}, ${bytes(projected('brin')!)} vs ${bytes(projected('btree')!)} (${ratio(projected('btree'), projected('brin'), 'smaller', 'larger')}; ${measured}, projected to ${formatRows(production.rows)})`
      : `not projected to ${at}: too few heap pages at this scale to measure what a BRIN range costs (${measured})`;
  const finding =
    `On the ${populated} partition${populated === 1 ? '' : 's'} holding the copied rows, BRIN on created_at is ${ratio(btreeHeld, brinHeld, 'smaller', 'larger')} than the B-tree (${bytes(brinHeld ?? 0)} vs ${bytes(btreeHeld ?? 0)}), ` +
    `${projection}, and builds ${ratio(metric('btree', 'buildSeconds'), metric('brin', 'buildSeconds'), 'faster', 'slower')}; a day's range takes ${ms(p50('brin', 'day'))} with BRIN ` +
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
    sizeNote(measures, { btreeBytes, brinBytes, populated, empty: leaves?.empty.partitions ?? 0 }),
    projectionNote(measures, proj),
    ...(none?.partitionsScanned !== undefined
      ? [`Monthly partitions prune the hour's range to ${none.partitionsScanned} partition(s) (${none.partitionsPruned ?? 0} pruned), so even without an index only that month is scanned: the index decides how much of the partition is read.`]
      : []),
  ];
  return { finding, notes };
}

/** What the copy's whole-table sizes are made of: floors of empty partitions, and what the rows add. */
function sizeNote(measures: VariantMeasure[], c: { btreeBytes?: number; brinBytes?: number; populated: number; empty: number }): string {
  const m = (name: string, key: TimeIndexMetric) => measures.find((x) => x.variant.name === name)?.variant.metrics[key];
  const floors = ['btree', 'brin', 'brin-16', 'brin-multi'].map((k) => `${k} ${bytes(m(k, 'emptyPartitionIndexBytes') ?? 0)}`).join(', ');
  return (
    `Over all ${c.populated + c.empty} partitions of the copy the indexes measure ${bytes(c.brinBytes ?? 0)} (BRIN) vs ${bytes(c.btreeBytes ?? 0)} (B-tree), ${ratio(c.btreeBytes, c.brinBytes, 'smaller', 'larger')}: ` +
    `a small-scale artefact, since ${c.empty} of them hold no rows and still carry each index's floor (per empty partition: ${floors}; a B-tree's metapage, a BRIN's metapage, range map and first summary page). ` +
    `The finding compares the ${c.populated} partition(s) that hold the rows. There, brin and brin-16 can measure the same: a BRIN's summaries of a partition this size fit in its first summary page, so its size moves in whole pages.`
  );
}

/** How the projection was made, and its figure for every index variant. */
function projectionNote(measures: VariantMeasure[], proj: ProjectionInput): string {
  const m = (x: VariantMeasure, key: TimeIndexMetric) => x.variant.metrics[key];
  const each = measures
    .filter((x) => x.leaves)
    .map((x) => (x.projected === undefined ? `${x.variant.name} not projected` : `${x.variant.name} ${bytes(x.projected)} (${(m(x, 'indexBytesPerRow') ?? 0).toFixed(m(x, 'indexBytesPerRow')! < 0.1 ? 4 : 1)} B/row)`))
    .join(', ');
  const range = proj.range['brin-probe'];
  const multi = proj.range['brin-multi-probe'];
  const p = proj.production;
  return (
    `Projected to ${formatRows(p.rows)} messages (${proj.sampledFrom === p.rows ? "the run's --scale" : '--project'}) in ${p.partitions} partitions, ${p.populated} holding rows: partitions × the empty floor + populated partitions × what one adds regardless of rows + rows × bytes per row — ${each}. ` +
    `The B-tree's bytes per row are measured above its floor on the populated partitions. A BRIN grows by one summary per pages_per_range heap pages, which at this scale fits in its first summary page, ` +
    `so what a range costs is measured with probes of pages_per_range 1 on the same rows: ` +
    [range && `minmax ${price(range)}`, multi && `minmax-multi ${price(multi)}`].filter(Boolean).join(', ') +
    (range && multi ? '' : `${range || multi ? '; ' : ''}too few heap pages at this scale for the ${range ? 'minmax-multi' : 'minmax'} probe to tell, so ${range ? 'brin-multi is' : multi ? 'brin and brin-16 are' : 'no BRIN is'} not projected (a larger ${proj.sampledFrom !== undefined ? '--sample' : '--scale'} will)`) +
    `; a range's cost times the copy's heap pages per row over pages_per_range gives BRIN's bytes per row. ` +
    `Measured on a ${formatRows(proj.measuredRows)}-message data set${proj.sampledFrom !== undefined ? ` (a --sample of the run's ${formatRows(proj.sampledFrom)})` : ''}; the rest is projected, linear in rows (the B-tree's depth and the page fill of a real table make it differ by a few percent).`
  );
}

/** "31.2 B per range (6 extra pages over 1,290 ranges, ± about 2 per partition)". */
function price(p: RangePrice): string {
  return `${p.bytes.toFixed(1)} B per range (${Math.round(p.pages)} extra pages over ${Math.round(p.ranges).toLocaleString('en-US')} ranges, ± about 2 pages per partition)`;
}
