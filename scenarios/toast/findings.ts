/** toast's computed finding and notes: sentences built from the measured numbers only. */
import { formatBytes, formatMs } from '../../reports/format.ts';
import type { ArmMeasure, LongHistory, ReadMeasure, ToastMetric } from './index.ts';
import type { NamedMetrics } from '../index.ts';

const n = (x: number) => x.toLocaleString('en-US');

/** a ÷ b as "3.2×" (whole numbers from 10 up), or "?×" when either side is missing. */
function times(a: number | undefined, b: number | undefined): string {
  if (!a || !b) return '?×';
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(r < 1 ? 2 : 1)}×`;
}

/** "3.2× faster" when `fast` took less time than `slow`, else "1.1× slower". */
function faster(slow: number | undefined, fast: number | undefined): string {
  if (!slow || !fast) return '?× faster';
  return slow >= fast ? `${times(slow, fast)} faster` : `${times(fast, slow)} slower`;
}

function ms(x: number | undefined): string {
  return x === undefined ? '?' : formatMs(x);
}

export interface FindingInput {
  reads: ReadMeasure[];
  arms: ArmMeasure[];
  histories: LongHistory[];
  /** Whether the server counts blocks per relation (track_counts). */
  tracked: boolean;
  window: { from: string; to: string };
  /** The server's default_toast_compression. */
  setting: string;
}

/** Finding, notes and scenario metrics from the reads' and arms' measures. */
export function describeFindings(input: FindingInput): { finding: string; notes: string[]; metrics: NamedMetrics<ToastMetric> } {
  const { reads, arms, histories } = input;
  const longest = histories.find((h) => h.kind === 'longest');
  const p90 = histories.find((h) => h.kind === 'p90');
  const read = (r: string) => reads.find((x) => x.read === r);
  const p50 = (m: { variant: { queries: Array<{ name: string; latencyMs: { p50: number } }> } } | undefined, q: string) => m?.variant.queries.find((x) => x.name === q)?.latencyMs.p50;
  const star = read('select-star');
  const list = read('list-view');
  const blocks = (r: ReadMeasure | undefined) =>
    r?.blocks ? `${n(r.blocks.toast)} TOAST block${r.blocks.toast === 1 ? '' : 's'} and ${n(r.blocks.heap)} heap block${r.blocks.heap === 1 ? '' : 's'}` : 'blocks not counted (track_counts is off)';
  const readPart =
    `Reading the longest session of the copied month (${n(longest?.messages ?? 0)} messages) with SELECT * touched ${blocks(star)} and took ${ms(p50(star, 'select-star-longest'))} (p50); ` +
    `the list view's columns touched ${blocks(list)} and took ${ms(p50(list, 'list-view-longest'))}, ${faster(p50(star, 'select-star-longest'), p50(list, 'list-view-longest'))}`;

  const pglz = arms.find((a) => a.method === 'pglz');
  const lz4 = arms.find((a) => a.method === 'lz4');
  const stored = (a: ArmMeasure | undefined) => a?.variant.metrics.storedBytes;
  const armText = (a: ArmMeasure) =>
    `${a.method} stores it in ${formatBytes(stored(a) ?? 0)} of heap + TOAST (content ${formatBytes(a.content?.storedBytes ?? 0)} of ${formatBytes(a.content?.rawBytes ?? 0)} raw), loads by COPY in ${(a.copySeconds ?? 0).toFixed(2)} s and reads the longest history in ${ms(p50(a, 'select-star-longest'))}`;
  const copied = pglz?.content?.rows ?? lz4?.content?.rows ?? 0;
  const lz4Part = !lz4
    ? ''
    : lz4.unsupported
      ? `lz4 is not measurable on this server: ${lz4.unsupported}; run it against a server built with lz4 (--database-url)`
      : armText(lz4);
  const compressionPart = pglz && !pglz.unsupported ? `On a copy of the month's ${n(copied)} messages, ${armText(pglz)}; ${lz4Part}` : `pglz could not be measured: ${pglz?.unsupported ?? 'not run'}`;
  const finding = `${readPart}. ${compressionPart}.`;

  const notes: string[] = [
    `TOAST blocks are counted with the session's per-relation statistics counters around one execution whose rows are sent to the client (blocks requested, hits included): ` +
      `EXPLAIN (ANALYZE, BUFFERS) leaves them out, since out-of-line values are fetched only when a row is sent, so the plans shown here count heap and index blocks only.`,
    `Postgres compresses or moves a value out of line only when its row passes ~2 kB (TOAST_TUPLE_THRESHOLD), so most messages are stored as they are; ` +
      `a list view that leaves out content never follows a TOAST pointer, whatever the message lengths.`,
  ];
  if (p90) {
    notes.push(
      `A session at the 90th percentile of the month's histories (${n(p90.messages)} messages): SELECT * ${ms(p50(star, 'select-star-p90'))}, list view ${ms(p50(list, 'list-view-p90'))} (p50).`,
    );
  }
  if (pglz?.content && !pglz.unsupported) {
    const c = pglz.content;
    notes.push(
      `The copy holds the messages created from ${input.window.from.slice(0, 10)} to ${input.window.to.slice(0, 10)} (exclusive), COPYed out of the data set and into each copy, so every value is compressed anew ` +
        `(INSERT … SELECT may keep a value's compression method); ${n(c.compressed)} of ${n(c.rows)} values (${((100 * c.compressed) / Math.max(1, c.rows)).toFixed(1)} %) are stored pglz-compressed. ` +
        `The COPY time includes reading the month out of the data set, the same for every arm.`,
    );
  }
  if (lz4?.content && pglz?.content) {
    notes.push(
      `lz4 against pglz: heap + TOAST ${times(stored(lz4), stored(pglz))} (${formatBytes(stored(lz4) ?? 0)} vs ${formatBytes(stored(pglz) ?? 0)}), content as stored ${formatBytes(lz4.content.storedBytes)} vs ${formatBytes(pglz.content.storedBytes)}, ` +
        `COPY ${(lz4.copySeconds ?? 0).toFixed(2)} s vs ${(pglz.copySeconds ?? 0).toFixed(2)} s.`,
    );
  }
  notes.push(
    `The server's default_toast_compression is ${input.setting}; each copy sets its method per column instead (ALTER TABLE … SET COMPRESSION on the table and every partition, which a partitioned parent does not pass down), ` +
      `so the comparison does not depend on it. SET default_toast_compression = lz4 has the same effect for columns without a COMPRESSION of their own.`,
  );
  const lz4Stored = stored(lz4);
  const pglzStored = stored(pglz);
  return {
    finding,
    notes,
    metrics: {
      copiedRows: copied,
      longestHistoryMessages: longest?.messages,
      p90HistoryMessages: p90?.messages,
      lz4Measured: lz4 && !lz4.unsupported ? 1 : 0,
      lz4StoredRatio: lz4Stored && pglzStored ? lz4Stored / pglzStored : undefined,
    },
  };
}
