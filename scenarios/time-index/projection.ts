/**
 * time-index's sizes as a production table would see them. The copy holds two months in
 * a table of many monthly partitions, and every empty partition still carries its index's
 * floor (a B-tree's metapage; a BRIN's metapage, range map and first summary page), so
 * the copy's summed index sizes are mostly floors. Here each index is split into:
 *
 *   emptyFloor      bytes of the index on an empty partition (measured);
 *   populatedExtra  bytes a partition with rows adds regardless of how many (BRIN's
 *                   free-space map and its partly filled pages);
 *   bytesPerRow     what each row adds: the B-tree's measured bytes per row above its
 *                   floor; for BRIN, what one more range costs × ranges per row.
 *
 * and projected to a production size as
 *   partitions × emptyFloor + populated partitions × populatedExtra + rows × bytesPerRow.
 *
 * A BRIN's growth at small scales fits inside its first summary page, so its size cannot
 * show what a range costs; probes with pages_per_range = 1 (one range per heap page) on
 * the same rows measure it: (probe − index) ÷ (the probe's ranges − the index's).
 * https://www.postgresql.org/docs/current/brin.html#BRIN-OPERATION
 */
import type pg from 'pg';
import { qualified } from '../../db/quote.ts';
import { namedStatements, readSql, statement } from '../sql.ts';

const sizesSql = namedStatements(readSql(import.meta.url, 'sizes.sql'));

/**
 * A probe's extra bytes are whole pages, and each populated partition's last summary and
 * range-map pages are partly filled: up to about two pages per partition of slack. Below
 * this many extra pages per populated partition the slack could be half the figure, so
 * no BRIN projection is made.
 */
export const MIN_PROBE_PAGES_PER_PARTITION = 2;

/** An index's bytes over the partitions that hold rows and over the empty ones. */
export interface LeafSizes {
  populated: { partitions: number; indexBytes: number; heapBytes: number };
  empty: { partitions: number; indexBytes: number };
}

/** The index `index` of `schema`.message_history, split by whether its partition holds rows. */
export async function leafSizes(client: pg.Client, schema: string, index: string): Promise<LeafSizes> {
  const r = await client.query<{ populated: boolean; partitions: number; index_bytes: string; heap_bytes: string }>(statement(sizesSql, 'index-by-leaf'), [
    qualified(schema, 'message_history'),
    qualified(schema, index),
  ]);
  const row = (populated: boolean) => r.rows.find((x) => x.populated === populated);
  const p = row(true);
  const e = row(false);
  return {
    populated: { partitions: p?.partitions ?? 0, indexBytes: Number(p?.index_bytes ?? 0), heapBytes: Number(p?.heap_bytes ?? 0) },
    empty: { partitions: e?.partitions ?? 0, indexBytes: Number(e?.index_bytes ?? 0) },
  };
}

/** The server's page size (8 KiB unless it was built otherwise). */
export async function blockSize(client: pg.Client): Promise<number> {
  return (await client.query<{ bytes: number }>(statement(sizesSql, 'block-size'))).rows[0].bytes;
}

/** An index's size as floors plus a per-row cost. */
export interface IndexModel {
  emptyFloor: number;
  populatedExtra: number;
  bytesPerRow: number;
}

/** Bytes of the index on one empty partition (0 when every partition holds rows). */
function floorOf(s: LeafSizes): number {
  return s.empty.partitions > 0 ? s.empty.indexBytes / s.empty.partitions : 0;
}

/**
 * The model of one index holding `rows` rows on its populated partitions. `bytesPerRow`
 * given (BRIN): the rest of the populated partitions' bytes is their per-partition
 * extra. Not given (B-tree): everything above the floor is per row.
 */
export function indexModel(s: LeafSizes, rows: number, bytesPerRow?: number): IndexModel {
  const n = Math.max(1, s.populated.partitions);
  const emptyFloor = floorOf(s);
  const above = s.populated.indexBytes - s.populated.partitions * emptyFloor;
  const perRow = bytesPerRow ?? (rows > 0 ? Math.max(0, above) / rows : 0);
  return { emptyFloor, populatedExtra: Math.max(0, (above - perRow * rows) / n), bytesPerRow: perRow };
}

/** What one BRIN range costs, and how it was priced: the probe's extra pages over its extra ranges. */
export interface RangePrice {
  bytes: number;
  /** Whole pages the probe has beyond the index (its precision: ± about two per populated partition). */
  pages: number;
  ranges: number;
}

/**
 * What one more BRIN range costs, from a probe with pages_per_range = 1 over the same
 * rows as `index` (pages_per_range `pagesPerRange`); undefined when the two differ by
 * fewer than MIN_PROBE_PAGES_PER_PARTITION pages per populated partition (too few heap
 * pages at this scale to tell).
 */
export function bytesPerRange(index: LeafSizes, probe: LeafSizes, pagesPerRange: number, pageBytes: number): RangePrice | undefined {
  const heapPages = index.populated.heapBytes / pageBytes;
  const ranges = heapPages - heapPages / pagesPerRange;
  const moreBytes = probe.populated.indexBytes - index.populated.indexBytes;
  if (moreBytes < MIN_PROBE_PAGES_PER_PARTITION * Math.max(1, index.populated.partitions) * pageBytes || ranges <= 0) return undefined;
  return { bytes: moreBytes / ranges, pages: moreBytes / pageBytes, ranges };
}

/** A BRIN's bytes per row: what a range costs × heap pages per row ÷ pages per range. */
export function brinBytesPerRow(s: LeafSizes, rows: number, rangeBytes: number, pagesPerRange: number, pageBytes: number): number {
  return rows > 0 ? (rangeBytes * s.populated.heapBytes) / pageBytes / rows / pagesPerRange : 0;
}

/** Production layout: `rows` spread over `populated` of `partitions` partitions. */
export interface Production {
  rows: number;
  partitions: number;
  populated: number;
}

/** The model's size at the production layout. */
export function project(m: IndexModel, at: Production): number {
  return at.partitions * m.emptyFloor + at.populated * m.populatedExtra + at.rows * m.bytesPerRow;
}
