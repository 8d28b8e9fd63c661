/**
 * COPY one chunk in one transaction together with its load-log row: either the chunk's
 * rows and its log row are both committed, or neither is. That is what lets a killed load
 * (kill -9 included) resume with nothing lost and nothing duplicated.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type pg from 'pg';
import { type CopyStreamQuery, from as copyFrom } from 'pg-copy-streams';
import { releaseOutput } from '../generators/copytext.ts';
import type { Chunk, Piece, RowCounts } from '../generators/index.ts';
import { TABLES } from '../generators/index.ts';
import { qualified, quoteIdent } from './quote.ts';

/** COPY statement for a generated table, with its encoder's column order. */
export function copySql(schema: string, table: keyof typeof TABLES): string {
  return `COPY ${qualified(schema, table)} (${TABLES[table].columns.map(quoteIdent).join(', ')}) FROM STDIN`;
}

/** The part of pg-copy-streams 7's CopyStreamQuery (copy-from.js) that recycling replaces. */
interface FlushingCopy {
  flushChunk?: (chunk: Buffer) => boolean;
  connection?: { stream: NodeJS.WritableStream & { write(b: Uint8Array, cb?: (err?: Error | null) => void): boolean } };
}

/**
 * How much one COPY source hands over before other work on the event loop gets a turn:
 * 4 MiB, or 10 ms if generating is slow. A time slice alone fit neither source: 2 ms is
 * ~1 MiB of generating but ~6 MiB of replaying files (bench:load's ceiling), and 10 ms
 * let a replay push ~30 MiB into one connection while the other ran dry (the ceiling
 * took 26.5-28.0 s at 10m instead of 24.7-26.1). By bytes, both get the same turns.
 */
const SLICE_BYTES = 4 << 20;
const SLICE_MS = 10;

const COPY_DATA = 0x64; // 'd': CopyData (https://www.postgresql.org/docs/current/protocol-message-formats.html)

/**
 * COPY FROM STDIN whose data buffers go back to the writers' pool once the socket has
 * written them to the kernel: pg-copy-streams writes each chunk in flushChunk() with
 * connection.stream.write(chunk) and keeps no reference after it, so that write's
 * callback is the one moment nothing reads the buffer any more. Where flushChunk is
 * missing (another pg-copy-streams), buffers are simply not recycled.
 */
export function recyclingCopyFrom(sql: string): CopyStreamQuery {
  const q = copyFrom(sql);
  const f = q as unknown as FlushingCopy;
  if (typeof f.flushChunk !== 'function') return q;
  f.flushChunk = function (this: FlushingCopy, chunk: Buffer): boolean {
    const socket = this.connection!.stream;
    const header = Buffer.allocUnsafe(5);
    header[0] = COPY_DATA;
    header.writeUInt32BE(chunk.length + 4, 1); // the length counts itself
    socket.write(header);
    return socket.write(chunk, (err) => {
      if (!err) releaseOutput(chunk);
    });
  };
  return q;
}

/**
 * Stream a chunk's pieces (grouped by table) through one COPY per table. Buffers are
 * pulled from the generator only as fast as the socket drains (stream backpressure).
 */
export async function copyPieces(client: pg.Client, schema: string, pieces: Iterator<Piece>, onBytes: (n: number) => void): Promise<number> {
  let next = pieces.next();
  let bytes = 0;
  while (!next.done) {
    const table = next.value.table;
    const source = Readable.from(
      (async function* () {
        let slice = performance.now();
        let sliceBytes = 0;
        while (!next.done && next.value.table === table) {
          const buf = next.value.buf;
          bytes += buf.length;
          onBytes(buf.length);
          yield buf;
          // A loopback socket takes ~30 MB before it pushes back (tcp_rmem autotuning),
          // so generating could hold the event loop for 100 ms at a time: the other
          // connections' writes, the sockets' write callbacks (which recycle buffers) and
          // progress all waited. Let them run every few megabytes.
          sliceBytes += buf.length;
          if (sliceBytes >= SLICE_BYTES || performance.now() - slice > SLICE_MS) {
            await yieldToLoop();
            slice = performance.now();
            sliceBytes = 0;
          }
          next = pieces.next();
        }
      })(),
      { objectMode: false, highWaterMark: 1 << 20 },
    );
    // pg-copy-streams README: pipeline(source, client.query(copyFrom(sql))), one COPY per client at a time.
    await pipeline(source, client.query(recyclingCopyFrom(copySql(schema, table))));
  }
  return bytes;
}

/** Load one chunk: BEGIN, COPY its tables, log it, COMMIT. Returns the COPY bytes. */
export async function loadChunk(
  client: pg.Client,
  schema: string,
  chunk: Chunk,
  pieces: Iterator<Piece>,
  counts: RowCounts,
  onBytes: (n: number) => void,
): Promise<number> {
  const started = performance.now();
  await client.query('BEGIN');
  try {
    // A commit lost in a crash also loses its log row, so the chunk is simply redone.
    await client.query('SET LOCAL synchronous_commit = off');
    const bytes = await copyPieces(client, schema, pieces, onBytes);
    await client.query(`INSERT INTO ${qualified(schema, '_pgscale_load_log')} (grp, chunk, rows, bytes, seconds) VALUES ($1, $2, $3, $4, $5)`, [
      chunk.group,
      chunk.k,
      JSON.stringify(counts),
      bytes,
      (performance.now() - started) / 1000,
    ]);
    await client.query('COMMIT');
    return bytes;
  } catch (err) {
    // The connection may be gone (server stopped): the rollback is best effort, the
    // original error is what the user needs to see.
    await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
      (err as { rollbackError?: unknown }).rollbackError = rollbackErr;
    });
    throw err;
  }
}
