/**
 * COPY with an index present: a slice of generated message_history rows (one
 * conversations chunk from the middle month, at most MAX_ROWS rows) is COPYed into an
 * empty copy of the table, with and without each index, a few times; the median time
 * is what the variant costs an ingest path.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copySql } from '../../db/copy.ts';
import { qualified } from '../../db/quote.ts';
import { type DataParams, type GenContext, chunkPlan, generateChunk, makeContext } from '../../generators/index.ts';
import { Rng } from '../../generators/rng.ts';

/** Rows in the slice, at most. */
export const MAX_ROWS = 50_000;
/** Timed repetitions; the median is kept. */
export const REPS = 5;
/** Rows are regrouped into buffers of about this size before they are written (never one write per row). */
const BUFFER_BYTES = 256 * 1024;

export interface Slice {
  rows: number;
  /** Encoded COPY text, one entry per row, in generation (time) order. */
  lines: Buffer[];
}

/**
 * One generator context for the probe's data set, reused by every call: a context
 * reserves a row kernel's whole memory, which only its collection gives back.
 */
let probeContext: { key: string; ctx: GenContext } | undefined;

export function contextFor(data: DataParams): GenContext {
  const key = `${data.scale}/${data.seed}/${data.months}`;
  if (probeContext?.key !== key) probeContext = { key, ctx: makeContext(data, 'smallint') };
  return probeContext.ctx;
}

/** The slice: message_history rows of the first conversations chunk of the middle month. */
export function generateSlice(data: DataParams): Slice {
  const conv = chunkPlan(data).filter((c) => c.group === 'conversations');
  const mid = Math.floor(data.months / 2);
  const chunk = conv.find((c) => c.month === mid) ?? conv[0];
  const lines: Buffer[] = [];
  // Stopping early (break) ends the generator, which gives its own buffers back.
  for (const piece of generateChunk(contextFor(data), chunk, {}, new Set(['message_history']))) {
    // COPY text escapes newlines in values, so a raw 0x0A always ends a row.
    let end = 0;
    for (let p = piece.buf.indexOf(10), n = lines.length; p >= 0 && n < MAX_ROWS; p = piece.buf.indexOf(10, p + 1), n++) end = p + 1;
    // The rows wanted are copied out and the piece handed back: it is one of the
    // context's row kernel slots, lost for the context's life if kept.
    const rows = Buffer.from(piece.buf.subarray(0, end));
    piece.release();
    for (let start = 0, p = rows.indexOf(10); p >= 0; start = p + 1, p = rows.indexOf(10, start)) lines.push(rows.subarray(start, p + 1));
    if (lines.length >= MAX_ROWS) break;
  }
  return { rows: lines.length, lines };
}

/** The same rows in a seeded random order (Fisher–Yates). */
export function shuffled(slice: Slice, seed: number): Slice {
  const rng = new Rng(seed, 0x73687566); // 'shuf'
  const lines = [...slice.lines];
  for (let i = lines.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [lines[i], lines[j]] = [lines[j], lines[i]];
  }
  return { rows: slice.rows, lines };
}

function* buffers(lines: Buffer[]): Generator<Buffer> {
  let batch: Buffer[] = [];
  let size = 0;
  for (const l of lines) {
    batch.push(l);
    size += l.length;
    if (size >= BUFFER_BYTES) {
      yield Buffer.concat(batch, size);
      batch = [];
      size = 0;
    }
  }
  if (batch.length > 0) yield Buffer.concat(batch, size);
}

/**
 * COPY the slice into `schema`.message_history (pgscale's empty scratch copy) REPS times,
 * truncating before each; `createIndex` (if any) runs once first and the index is
 * dropped after. Returns the median seconds.
 */
export async function timeCopy(client: pg.Client, schema: string, slice: Slice, createIndex?: { sql: string; drop: string }): Promise<number> {
  const table = qualified(schema, 'message_history');
  await client.query(`TRUNCATE ${table}`);
  if (createIndex) await client.query(createIndex.sql);
  const times: number[] = [];
  try {
    for (let r = 0; r < REPS; r++) {
      await client.query(`TRUNCATE ${table}`);
      const t0 = performance.now();
      // pg-copy-streams README: pipeline(source, client.query(copyFrom(sql))).
      await pipeline(Readable.from(buffers(slice.lines)), client.query(copyFrom(copySql(schema, 'message_history'))));
      times.push((performance.now() - t0) / 1000);
    }
  } finally {
    if (createIndex) await client.query(createIndex.drop);
    await client.query(`TRUNCATE ${table}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
