/**
 * COPY text format (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format"):
 * columns split by tab, rows by newline, NULL as \N, and backslash, tab, newline and
 * carriage return escaped. Rows are written byte by byte into large buffers (1 MB), never
 * one string or one write per row.
 */
import { BufferPool, type OutputSource, slotPoolOf } from './buffer-pool.ts';

/**
 * Escape a value for COPY text. Postgres text cannot hold NUL (U+0000): it is replaced
 * by U+FFFD (the Unicode replacement character) so the row still loads and the spot
 * stays visible.
 */
export function escapeCopyText(s: string): string {
  return s.replace(/[\\\t\n\r\0\b\f\v]/g, (c) => ESCAPES[c]);
}

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\uFFFD',
  '\b': '\\b',
  '\f': '\\f',
  '\v': '\\v',
};

/** What a value reads back as after escapeCopyText and COPY FROM. */
export function copyRoundTrip(s: string): string {
  return s.replace(/\0/g, '\uFFFD');
}

const TAB = 9;
const NL = 10;
const BACKSLASH = 92;
const HEX = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const h = i.toString(16).padStart(2, '0');
  HEX[2 * i] = h.charCodeAt(0);
  HEX[2 * i + 1] = h.charCodeAt(1);
}
const DIGITS2 = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGITS2[2 * i] = 48 + Math.floor(i / 10);
  DIGITS2[2 * i + 1] = 48 + (i % 10);
}
const MS_PER_DAY = 86_400_000;
const dayCache = new Map<number, Uint8Array>();

function dayBytes(day: number): Uint8Array {
  let b = dayCache.get(day);
  if (!b) {
    b = Buffer.from(new Date(day * MS_PER_DAY).toISOString().slice(0, 10), 'latin1');
    dayCache.set(day, b);
  }
  return b;
}

// Hex digits of every 16-bit value as one little-endian word (256 KiB): a UUID is eight
// 32-bit stores instead of 32 byte stores and 32 table reads.
const HEX4 = new Uint32Array(65536);
for (let i = 0; i < 65536; i++) HEX4[i] = HEX[(i >>> 8) * 2] | (HEX[(i >>> 8) * 2 + 1] << 8) | (HEX[(i & 255) * 2] << 16) | (HEX[(i & 255) * 2 + 1] << 24);
// `:SS.` for each second and `mmm+` for each millisecond, as little-endian words.
const SECOND = new Uint32Array(60);
for (let i = 0; i < 60; i++) SECOND[i] = 58 | (DIGITS2[2 * i] << 8) | (DIGITS2[2 * i + 1] << 16) | (46 << 24);
const MILLI = new Uint32Array(1000);
for (let i = 0; i < 1000; i++) MILLI[i] = (48 + Math.floor(i / 100)) | (DIGITS2[2 * (i % 100)] << 8) | (DIGITS2[2 * (i % 100) + 1] << 16) | (43 << 24);
const ZEROS = 48 | (48 << 8); // `00`

/** Decimal digits of a non-negative integer below 2^53. */
function digitCount(n: number): number {
  if (n < 1e4) return n < 10 ? 1 : n < 100 ? 2 : n < 1e3 ? 3 : 4;
  if (n < 1e8) return n < 1e5 ? 5 : n < 1e6 ? 6 : n < 1e7 ? 7 : 8;
  let len = 8;
  for (let t = Math.floor(n / 1e8); t > 0; t = Math.floor(t / 10)) len++;
  return len;
}

/** A DataView of a buffer: unaligned 16- and 32-bit stores, which TurboFan inlines. */
function viewOf(buf: Buffer): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Size of one output buffer handed to COPY. */
export const FLUSH_BYTES = 1 << 20;
/** Head-room for one row beyond FLUSH_BYTES: rows are far smaller (text pools cap at 16 KB). */
const ROW_ROOM = 256 << 10;
/** Bytes of each output buffer: FLUSH_BYTES and the head-room past it. */
export const OUTPUT_BUFFER_BYTES = FLUSH_BYTES + ROW_ROOM;

const FINISHED = Buffer.alloc(0);
const FINISHED_VIEW = viewOf(FINISHED);

/** Every CopyWriter's buffers unless it is given another source: the COPY path hands them back once written (db/copy.ts). */
export const outputBuffers = new BufferPool(OUTPUT_BUFFER_BYTES, 32);

/** Hand back a piece a generator yielded, once nothing reads it any more: to the pool it came from. */
export function releaseOutput(piece: Uint8Array): void {
  (slotPoolOf(piece) ?? outputBuffers).release(piece);
}

/** Writes COPY text rows into 1 MB buffers; `full` says when to hand one over with take(). */
export class CopyWriter {
  buf: Buffer;
  /** A view of buf for word-sized stores (kept in step with buf). */
  view: DataView;
  /** Address of buf in its memory (buf.byteOffset): where a row kernel writes buf[pos] (generators/kernel-host.ts). */
  base: number;
  pos = 0;
  /** Bytes handed over so far. */
  bytesOut = 0;
  private lastMinute = NaN;
  private lastDay = NaN;
  /** `DD ` of lastDay. */
  private dayDigits = 0;
  // `YYYY-MM-DD HH:MM` of lastMinute as four little-endian words.
  private minute0 = 0;
  private minute1 = 0;
  private minute2 = 0;
  private minute3 = 0;

  /**
   * @param into a buffer to write into (for a prefix built once and copied), or bytes of a
   *   small private one; default: buffers from `source`
   * @param source where output buffers come from: the shared pool, or a row kernel's slots
   */
  constructor(
    into?: number | Buffer,
    private readonly source: OutputSource = outputBuffers,
  ) {
    const buf = typeof into === 'number' ? Buffer.allocUnsafe(into) : (into ?? source.acquire());
    if (!buf) throw new Error('no output buffer free for another writer: more row loops at once than the row kernel has slots for');
    this.buf = buf;
    this.view = viewOf(buf);
    this.base = buf.byteOffset;
  }

  /** True once the current buffer should be handed over. */
  get full(): boolean {
    return this.pos >= FLUSH_BYTES;
  }

  /**
   * Hand over what was written and start a new buffer. When buffers are scarce (most
   * slots still out with their readers), the bytes are handed over as a copy and the
   * writer goes on in the same buffer.
   */
  take(): Buffer {
    const written = this.buf.subarray(0, this.pos);
    const next = this.source.scarce ? undefined : this.source.acquire();
    const out = next ? written : Buffer.from(written);
    if (next) {
      this.buf = next;
      this.view = viewOf(next);
      this.base = next.byteOffset;
    }
    this.bytesOut += this.pos;
    this.pos = 0;
    return out;
  }

  /**
   * Hand over the rest, or undefined when nothing is left, and take no new buffer: the
   * writer is finished and writes nothing more. The buffer goes back to its source unless
   * it is what is handed over (as a copy when buffers are scarce).
   */
  done(): Buffer | undefined {
    let out: Buffer | undefined;
    if (this.pos > 0 && !this.source.scarce) out = this.buf.subarray(0, this.pos);
    else {
      if (this.pos > 0) out = Buffer.from(this.buf.subarray(0, this.pos));
      this.source.release(this.buf);
    }
    this.bytesOut += this.pos;
    this.buf = FINISHED;
    this.view = FINISHED_VIEW;
    this.base = 0;
    this.pos = 0;
    return out;
  }

  /**
   * Give the buffer back unwritten and write nothing more: for a writer abandoned before
   * done() (a generator whose reader stopped early). Nothing once the writer is finished.
   */
  discard(): void {
    if (this.buf === FINISHED) return;
    this.source.release(this.buf);
    this.buf = FINISHED;
    this.view = FINISHED_VIEW;
    this.base = 0;
    this.pos = 0;
  }

  tab(): void {
    this.buf[this.pos++] = TAB;
  }

  /** End of row. */
  nl(): void {
    this.buf[this.pos++] = NL;
  }

  /** SQL NULL. */
  nil(): void {
    this.buf[this.pos++] = BACKSLASH;
    this.buf[this.pos++] = 78; // N
  }

  /** Already-escaped bytes (pool entries are escaped once when built). */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    // TypedArray.set has a fixed cost per call whatever the length, far above a byte
    // loop's cost per byte: the loop wins only for the shortest values (enum codes).
    if (n > 12) {
      this.buf.set(bytes, this.pos);
    } else {
      const buf = this.buf;
      const p = this.pos;
      for (let i = 0; i < n; i++) buf[p + i] = bytes[i];
    }
    this.pos += n;
  }

  /** A string that needs escaping (slow path: outside row loops or for rare values). */
  text(s: string): void {
    this.pos += this.buf.write(escapeCopyText(s), this.pos, 'utf8');
  }

  /** A non-negative or negative integer below 2^53. */
  int(n: number): void {
    const buf = this.buf;
    if (n < 0) {
      buf[this.pos++] = 45;
      n = -n;
    }
    if (n < 10) {
      buf[this.pos++] = 48 + n;
      return;
    }
    let p = this.pos + digitCount(n);
    this.pos = p;
    // Two digits a step; below 2^31 with int32 division (`| 0`), which is what most
    // values are (ids, counts), and Math.floor above.
    if (n < 2147483648) {
      let m = n | 0;
      while (m >= 100) {
        const q = (m / 100) | 0;
        const r = (m - q * 100) << 1;
        buf[--p] = DIGITS2[r + 1];
        buf[--p] = DIGITS2[r];
        m = q;
      }
      if (m >= 10) {
        buf[--p] = DIGITS2[(m << 1) + 1];
        buf[--p] = DIGITS2[m << 1];
      } else buf[--p] = 48 + m;
      return;
    }
    while (n > 0) {
      const q = Math.floor(n / 10);
      buf[--p] = 48 + (n - q * 10);
      n = q;
    }
  }

  bool(b: boolean): void {
    this.buf[this.pos++] = b ? 116 : 102; // t / f
  }

  /** A version-4-shaped UUID from four uint32 words (b and c get the version and variant bits). */
  uuid(a: number, b: number, c: number, d: number): void {
    b = ((b & 0xffff0fff) | 0x00004000) >>> 0;
    c = ((c & 0x3fffffff) | 0x80000000) >>> 0;
    const buf = this.buf;
    const v = this.view;
    const p = this.pos;
    v.setUint32(p, HEX4[a >>> 16], true);
    v.setUint32(p + 4, HEX4[a & 0xffff], true);
    buf[p + 8] = 45;
    v.setUint32(p + 9, HEX4[b >>> 16], true);
    buf[p + 13] = 45;
    v.setUint32(p + 14, HEX4[b & 0xffff], true);
    buf[p + 18] = 45;
    v.setUint32(p + 19, HEX4[c >>> 16], true);
    buf[p + 23] = 45;
    v.setUint32(p + 24, HEX4[c & 0xffff], true);
    v.setUint32(p + 28, HEX4[d >>> 16], true);
    v.setUint32(p + 32, HEX4[d & 0xffff], true);
    this.pos = p + 36;
  }

  /** A timestamptz from epoch milliseconds: `YYYY-MM-DD HH:MM:SS.mmm+00`. */
  timestamp(ms: number): void {
    ms = Math.floor(ms);
    const minute = Math.floor(ms / 60_000);
    // Consecutive rows mostly fall in the same minute (events ~10 a minute at 10m, a
    // session's turns seconds apart): keep `YYYY-MM-DD HH:MM` at hand as four words.
    if (minute !== this.lastMinute) this.setMinute(minute);
    const v = this.view;
    const p = this.pos;
    v.setUint32(p, this.minute0, true);
    v.setUint32(p + 4, this.minute1, true);
    v.setUint32(p + 8, this.minute2, true);
    v.setUint32(p + 12, this.minute3, true);
    const rest = ms - minute * 60_000;
    const s = Math.floor(rest / 1000);
    v.setUint32(p + 16, SECOND[s], true); // `:SS.`
    v.setUint32(p + 20, MILLI[rest - s * 1000], true); // `mmm+`
    v.setUint16(p + 24, ZEROS, true);
    this.pos = p + 26;
  }

  private setMinute(minute: number): void {
    this.lastMinute = minute;
    const day = Math.floor(minute / 1440);
    if (day !== this.lastDay) {
      this.lastDay = day;
      const date = dayBytes(day); // YYYY-MM-DD
      this.minute0 = date[0] | (date[1] << 8) | (date[2] << 16) | (date[3] << 24);
      this.minute1 = date[4] | (date[5] << 8) | (date[6] << 16) | (date[7] << 24);
      this.dayDigits = date[8] | (date[9] << 8) | (32 << 16);
    }
    const inDay = minute - day * 1440;
    const h = Math.floor(inDay / 60);
    const m = inDay - h * 60;
    this.minute2 = this.dayDigits | (DIGITS2[2 * h] << 24);
    this.minute3 = DIGITS2[2 * h + 1] | (58 << 8) | (DIGITS2[2 * m] << 16) | (DIGITS2[2 * m + 1] << 24);
  }
}
