/**
 * COPY one chunk in one transaction together with its load-log row: either the chunk's
 * rows and its log row are both committed, or neither is. That is what lets a killed load
 * (kill -9 included) resume with nothing lost and nothing duplicated.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Chunk, Piece, RowCounts } from '../generators/index.ts';
import { TABLES } from '../generators/index.ts';
import { qualified, quoteIdent } from './quote.ts';

/** COPY statement for a generated table, with its encoder's column order. */
export function copySql(schema: string, table: keyof typeof TABLES): string {
  return `COPY ${qualified(schema, table)} (${TABLES[table].columns.map(quoteIdent).join(', ')}) FROM STDIN`;
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
      (function* () {
        while (!next.done && next.value.table === table) {
          const buf = next.value.buf;
          bytes += buf.length;
          onBytes(buf.length);
          yield buf;
          next = pieces.next();
        }
      })(),
      { objectMode: false, highWaterMark: 1 << 20 },
    );
    // pg-copy-streams README: pipeline(source, client.query(copyFrom(sql))), one COPY per client at a time.
    await pipeline(source, client.query(copyFrom(copySql(schema, table))));
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
