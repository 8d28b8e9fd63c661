/**
 * COPY text format (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format"):
 * columns split by tab, rows by newline, NULL as \N, and backslash, tab, newline and
 * carriage return escaped. Rows are written byte by byte into large buffers (1 MB), never
 * one string or one write per row.
 */
import { BufferPool } from './buffer-pool.ts';

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

// Module-level helpers, not closures: tsx wraps every closure creation in a naming
// helper (esbuild keepNames), which cost 10 % of the generator's time in a profile.
function hex4(buf: Buffer, p: number, x: number): number {
  let i = (x >>> 8) * 2;
  buf[p] = HEX[i];
  buf[p + 1] = HEX[i + 1];
  i = (x & 255) * 2;
  buf[p + 2] = HEX[i];
  buf[p + 3] = HEX[i + 1];
  return p + 4;
}

function hex8(buf: Buffer, p: number, x: number): number {
  hex4(buf, p, x >>> 16);
  return hex4(buf, p + 4, x & 0xffff);
}

/** Size of one output buffer handed to COPY. */
export const FLUSH_BYTES = 1 << 20;
/** Head-room for one row beyond FLUSH_BYTES: rows are far smaller (text pools cap at 16 KB). */
const ROW_ROOM = 256 << 10;

const FINISHED = Buffer.alloc(0);

/** Every CopyWriter's buffers: the COPY path hands them back once written (db/copy.ts). */
export const outputBuffers = new BufferPool(FLUSH_BYTES + ROW_ROOM, 32);

/** Writes COPY text rows into 1 MB buffers; `full` says when to hand one over with take(). */
export class CopyWriter {
  buf: Buffer;
  pos = 0;
  /** Bytes handed over so far. */
  bytesOut = 0;
  private lastMinute = NaN;
  private readonly minuteBytes: Buffer = Buffer.alloc(17);

  /** @param capacity bytes of a small private buffer (for a prefix built once and copied); default: a pooled output buffer */
  constructor(capacity?: number) {
    this.buf = capacity === undefined ? outputBuffers.acquire() : Buffer.allocUnsafe(capacity);
  }

  /** True once the current buffer should be handed over. */
  get full(): boolean {
    return this.pos >= FLUSH_BYTES;
  }

  /** Hand over what was written and start a new buffer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.bytesOut += this.pos;
    this.buf = outputBuffers.acquire();
    this.pos = 0;
    return out;
  }

  /**
   * Hand over the rest, or undefined when nothing is left (its buffer goes straight back
   * to the pool), and take no new buffer: the writer is finished and writes nothing more.
   */
  done(): Buffer | undefined {
    const out = this.pos > 0 ? this.buf.subarray(0, this.pos) : undefined;
    if (!out) outputBuffers.release(this.buf);
    this.bytesOut += this.pos;
    this.buf = FINISHED;
    this.pos = 0;
    return out;
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
    // TypedArray.set costs ~16 ns a call whatever the length, a byte loop ~1 ns a byte
    // (measured on Node 20): the loop wins only for the shortest values (enum codes).
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
    let len = 0;
    for (let t = n; t > 0; t = Math.floor(t / 10)) len++;
    let p = this.pos + len;
    this.pos = p;
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
    let p = this.pos;
    p = hex8(buf, p, a);
    buf[p++] = 45;
    p = hex4(buf, p, b >>> 16);
    buf[p++] = 45;
    p = hex4(buf, p, b & 0xffff);
    buf[p++] = 45;
    p = hex4(buf, p, c >>> 16);
    buf[p++] = 45;
    p = hex4(buf, p, c & 0xffff);
    this.pos = hex8(buf, p, d);
  }

  /** A timestamptz from epoch milliseconds: `YYYY-MM-DD HH:MM:SS.mmm+00`. */
  timestamp(ms: number): void {
    ms = Math.floor(ms);
    const minute = Math.floor(ms / 60_000);
    const rest = ms - minute * 60_000;
    const buf = this.buf;
    // Consecutive rows mostly fall in the same minute (events ~10 a minute at 10m, a
    // session's turns seconds apart): keep `YYYY-MM-DD HH:MM:` at hand.
    const head = this.minuteBytes;
    if (minute !== this.lastMinute) {
      this.lastMinute = minute;
      const day = Math.floor(minute / 1440);
      const date = dayBytes(day);
      for (let i = 0; i < 10; i++) head[i] = date[i];
      const inDay = minute - day * 1440;
      const h = Math.floor(inDay / 60);
      const m = inDay - h * 60;
      head[10] = 32;
      head[11] = DIGITS2[2 * h];
      head[12] = DIGITS2[2 * h + 1];
      head[13] = 58;
      head[14] = DIGITS2[2 * m];
      head[15] = DIGITS2[2 * m + 1];
      head[16] = 58;
    }
    buf.set(head, this.pos);
    let p = this.pos + 17;
    const s = Math.floor(rest / 1000);
    const milli = rest - s * 1000;
    const centi = milli % 100;
    buf[p++] = DIGITS2[2 * s];
    buf[p++] = DIGITS2[2 * s + 1];
    buf[p++] = 46;
    buf[p++] = 48 + ((milli - centi) / 100);
    buf[p++] = DIGITS2[2 * centi];
    buf[p++] = DIGITS2[2 * centi + 1];
    buf[p++] = 43; // +00
    buf[p++] = 48;
    buf[p++] = 48;
    this.pos = p;
  }
}
