/**
 * uuid-keys' finding: one sentence from the two arms. Directions are stated only where
 * the measurement carries them: throughput by a bootstrap interval over the per-second
 * rates, sizes and WAL as measured (deterministic for a given row count), and the cache
 * by what the index's working set was, since an index that fits in shared_buffers shows
 * no misses either way.
 */
import { bootstrapMedianRatio } from '../../reports/stats.ts';

/** What one arm measured. */
export interface ArmFacts {
  name: string;
  /** Inserts per second over the measurement window, and each second's count. */
  rate: number;
  perSecond: number[];
  rowsInserted: number;
  indexBytesPerRow: number;
  leafDensity: number;
  leafPages: number;
  walBytesPerRow: number;
  /** Full-page image bytes of the index per inserted row, with pg_walinspect. */
  indexFpiBytesPerRow?: number;
  /** Distinct index blocks the inserts changed, with pg_walinspect. */
  indexBlocksTouched?: number;
  indexBlocksRead: number;
}

const bytes = (b: number) => (b >= 100 ? b.toFixed(0) : b.toFixed(1));
const pct = (x: number) => `${x.toFixed(0)} %`;

/** Whether UUIDv7's insert rate differs from UUIDv4's, by the 95 % interval of median(v7) / median(v4) over the per-second rates. */
export function throughputVerdict(v4: ArmFacts, v7: ArmFacts): string {
  if (v4.perSecond.length < 3 || v7.perSecond.length < 3) return 'too few seconds to tell a difference';
  const ci = bootstrapMedianRatio(v4.perSecond, v7.perSecond);
  const interval = `95 % interval ${ci.lower.toFixed(2)}–${ci.upper.toFixed(2)}×`;
  if (ci.lower > 1 || ci.upper < 1) return `${ci.ratio.toFixed(2)}× the rate, ${interval}`;
  return `no clear difference, ${interval}`;
}

/** One sentence: throughput, index size and fill, WAL, and the cache working set. */
export function uuidKeysFinding(v4: ArmFacts, v7: ArmFacts): string {
  const size = `after the inserts the UUIDv7 primary key held ${bytes(v7.indexBytesPerRow)} B/row with leaves ${pct(v7.leafDensity)} full, against ${bytes(v4.indexBytesPerRow)} B/row and ${pct(v4.leafDensity)} for UUIDv4`;
  const fpi = (a: ArmFacts) => (a.indexFpiBytesPerRow !== undefined ? ` (${bytes(a.indexFpiBytesPerRow)} of them full-page images of the index)` : '');
  const wal = `each insert wrote ${bytes(v7.walBytesPerRow)} B of WAL${fpi(v7)} against ${bytes(v4.walBytesPerRow)} B${fpi(v4)}`;
  const touched = (a: ArmFacts) => `${a.indexBlocksTouched!.toLocaleString('en-US')} index pages (of ${a.leafPages.toLocaleString('en-US')} leaf pages)`;
  const reads = v4.indexBlocksRead + v7.indexBlocksRead;
  const cache =
    v4.indexBlocksTouched !== undefined && v7.indexBlocksTouched !== undefined
      ? `; the inserts changed ${touched(v7)} with UUIDv7 against ${touched(v4)} with UUIDv4 — the pages each needs in memory — and read ${reads === 0 ? 'none from outside shared_buffers in either arm (both indexes fit in it)' : `${v7.indexBlocksRead.toLocaleString('en-US')} index blocks from outside shared_buffers against ${v4.indexBlocksRead.toLocaleString('en-US')}`}`
      : `; the inserts read ${v7.indexBlocksRead.toLocaleString('en-US')} index blocks from outside shared_buffers with UUIDv7 against ${v4.indexBlocksRead.toLocaleString('en-US')} with UUIDv4`;
  return `Time-ordered UUIDv7 keys took ${v7.rate.toFixed(0)} inserts/s against ${v4.rate.toFixed(0)} for random UUIDv4 (${throughputVerdict(v4, v7)}); ${size}; ${wal}${cache}.`;
}
