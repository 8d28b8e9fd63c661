/** partitioning's computed finding and notes: sentences built from the measured numbers only. */
import { formatBytes, formatMs } from '../../reports/format.ts';
import type { QueryResult } from '../../reports/schema.ts';
import { bootstrapMedianRatio } from '../../reports/stats.ts';
import type { ScenarioVariant } from '../index.ts';
import type { Arm, PartitioningMetric, Prepared } from './index.ts';
import type { DefaultCatch, Retention, Step } from './retention.ts';
import { SHIFTED_ROWS } from './retention.ts';

const n = (x: number | undefined) => (x === undefined ? '?' : x.toLocaleString('en-US'));
const ms = (x: number | undefined) => (x === undefined ? '?' : formatMs(x));
const secs = (x: number) => (x < 1 ? `${(x * 1000).toFixed(1)} ms` : `${x.toFixed(2)} s`);
const step = (s: Step | undefined) => (s ? `${formatBytes(s.walBytes)} of WAL in ${secs(s.seconds)}` : '?');

/**
 * How the partitioned arm's median compares with the unpartitioned one's: a direction only
 * when the bootstrap interval of the ratio of medians excludes 1.
 */
export function compareLatency(partitioned: QueryResult | undefined, flat: QueryResult | undefined): string {
  const a = flat?.samplesMs ?? [];
  const b = partitioned?.samplesMs ?? [];
  if (a.length === 0 || b.length === 0) return 'not compared (no samples)';
  const r = bootstrapMedianRatio(a, b);
  const band = `95 % interval of the median ratio ${r.lower.toFixed(2)}–${r.upper.toFixed(2)}`;
  if (r.lower > 1) return `${r.ratio.toFixed(1)}× slower partitioned, ${band}`;
  if (r.upper < 1) return `${(1 / r.ratio).toFixed(1)}× faster partitioned, ${band}`;
  return `no clear difference, ${band}`;
}

/** Scan nodes of a plan, each once: "Seq Scan", "Index Scan + Bitmap Heap Scan" … */
function scans(q: QueryResult | undefined): string {
  return q?.planSummary?.nodeTypes.filter((t) => /Scan/.test(t)).join(' + ') || '?';
}

/** Finding and notes from both arms, their retention and the DEFAULT experiment. */
export function describeFindings(
  variants: ReadonlyArray<ScenarioVariant<PartitioningMetric>>,
  p: Prepared,
  retained: Record<Arm, Retention>,
  caught: DefaultCatch,
): { finding: string; notes: string[] } {
  const q = (arm: Arm, name: string) => variants.find((v) => v.name === arm)?.queries.find((x) => x.name === name);
  const size = (arm: Arm, index: string) => variants.find((v) => v.name === arm)?.sizes.find((e) => e.kind === 'index' && e.relation === index)?.bytes ?? 0;
  const part = retained.partitioned;
  const flat = retained.unpartitioned;
  const dayP = q('partitioned', 'range-day');
  const sesP = q('partitioned', 'session-messages');
  const walRatio = part.total.walBytes > 0 ? flat.total.walBytes / part.total.walBytes : undefined;
  const finding =
    `A day's range on monthly partitions scans ${n(dayP?.planSummary?.partitionsScanned)} of ${p.partitions} partitions in ${ms(dayP?.latencyMs.p50)} vs ${ms(q('unpartitioned', 'range-day')?.latencyMs.p50)} on one table ` +
    `(${compareLatency(dayP, q('unpartitioned', 'range-day'))}); a session's ${n(p.session.messages)} messages by session_id alone probe ${n(sesP?.planSummary?.partitionsScanned)} partitions' indexes in ` +
    `${ms(sesP?.latencyMs.p50)} vs ${ms(q('unpartitioned', 'session-messages')?.latencyMs.p50)} (${compareLatency(sesP, q('unpartitioned', 'session-messages'))}); ` +
    `removing a month (${n(part.rows)} rows), DROP wrote ${step(part.drop)} where DELETE + VACUUM wrote ${step(flat.total)}` +
    `${walRatio !== undefined ? ` (${walRatio >= 10 ? walRatio.toFixed(0) : walRatio.toFixed(1)}× the WAL)` : ''} and left the table at ${formatBytes(flat.bytesAfter)} (${formatBytes(flat.bytesBefore)} before), ` +
    `while the partitioned table went from ${formatBytes(part.bytesBefore)} to ${formatBytes(part.bytesAfter)}.`;

  const detach = part.detach;
  const late = caught.lateCreate;
  const notes = [
    `Both copies hold the same ${n(p.copiedRows)} messages: the ${p.months.length} calendar months from ${p.first.slice(0, 7)} to ${p.months[p.months.length - 1]?.slice(0, 7)}, the last of the span, ` +
      `with the design's indexes (primary key, idx_messages_session, BRIN on created_at). Month partitions outside them were dropped from the copy, so every partition but DEFAULT holds rows.`,
    `Sizes before retention: ${formatBytes(part.bytesBefore)} partitioned vs ${formatBytes(flat.bytesBefore)} in one table; the BRIN index is ${formatBytes(size('partitioned', 'idx_messages_created_brin'))} vs ${formatBytes(size('unpartitioned', 'idx_messages_created_brin_flat'))}, ` +
      `mostly its fixed per-partition pages (metapage, range map), which do not grow with rows: a floor times ${p.partitions} partitions, not a cost per row.`,
    `Plans: a day's range — ${scans(dayP)} partitioned vs ${scans(q('unpartitioned', 'range-day'))}; a month's — ${scans(q('partitioned', 'range-month'))} on ${n(q('partitioned', 'range-month')?.planSummary?.partitionsScanned)} partition(s) ` +
      `in ${ms(q('partitioned', 'range-month')?.latencyMs.p50)} vs ${scans(q('unpartitioned', 'range-month'))} in ${ms(q('unpartitioned', 'range-month')?.latencyMs.p50)} (${compareLatency(q('partitioned', 'range-month'), q('unpartitioned', 'range-month'))}).`,
    `The session looked up has the most messages in the copy, spread over ${n(p.session.months)} month(s); by session_id alone the partitioned plan (${scans(sesP)}) visits every partition, ` +
      `the ones without its messages included: that is the cost of any query that does not bound created_at, such as n-plus-one's JOIN.`,
    `Retention step by step: DELETE ${step(flat.delete)}, VACUUM ${step(flat.vacuum)}; VACUUM makes the space reusable but returns none of it (heap and indexes keep their size), ` +
      `and until it runs every scan still reads the deleted rows. DROP TABLE of a partition logs only catalog changes and the unlinking of its files, a floor that does not grow with the month's rows, ` +
      `but takes an ACCESS EXCLUSIVE lock on the parent for its short span.`,
    detach
      ? `DETACH PARTITION … CONCURRENTLY of the next month (${n(detach.rows)} rows) ` +
        (detach.refusedWithDefault
          ? `is refused while the design's DEFAULT partition exists (${detach.refusedWithDefault.sqlstate ? `SQLSTATE ${detach.refusedWithDefault.sqlstate}: ` : ''}${detach.refusedWithDefault.message}); with DEFAULT detached for the measurement, DETACH CONCURRENTLY + DROP wrote ${step(detach.step)}. ` +
            `So a retention job under this design must detach DEFAULT first (an ACCESS EXCLUSIVE lock) or use plain DETACH/DROP.`
          : `ran with the DEFAULT partition present; with the DROP after it, ${step(detach.step)}.`)
      : `DETACH … CONCURRENTLY was not measured: the copy holds fewer than three months.`,
    `create_monthly_partition() for ${caught.aheadPartition}, ahead of its rows, took ${secs(caught.aheadSeconds)}; ${n(caught.aheadRows)} of ${n(SHIFTED_ROWS)} rows written for that month landed in it. ` +
      `${n(caught.defaultRows)} rows written for the month after, which had no partition, landed in DEFAULT; creating that month's partition afterwards ` +
      (late.refused
        ? `is refused (${late.refused.sqlstate ? `SQLSTATE ${late.refused.sqlstate}: ` : ''}${late.refused.message}) until those rows are moved out of DEFAULT, `
        : `succeeded (${late.partition ?? '?'}), `) +
      `and a day's range in that month scans ${caught.scannedForLateMonth.join(', ') || '?'}. Creating months ahead of the clock keeps DEFAULT empty.`,
  ];
  return { finding, notes };
}
