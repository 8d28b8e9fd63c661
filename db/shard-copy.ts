/**
 * One chunk into several shards at once: the chunk is generated once, each buffer is cut
 * by tenant (db/shard-route.ts), and each shard's share streams through that shard's COPY,
 * all shards' sockets writing side by side. Each shard commits its share with its own
 * load-log row in one transaction (the same rule as db/copy.ts), so every shard resumes on
 * its own: a chunk committed on shard A and lost on shard B is redone on B only.
 */
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type pg from 'pg';
import { type Chunk, GROUP_TABLES, type GeneratedPiece, type RowCounts } from '../generators/index.ts';
import { copySql, recyclingCopyFrom } from './copy.ts';
import { qualified } from './quote.ts';
import { splitRows } from './shard-route.ts';

/** How often the event loop gets a turn, as in db/copy.ts (SLICE_BYTES, SLICE_MS). */
const SLICE_BYTES = 4 << 20;
const SLICE_MS = 10;

/** What one shard received of a chunk. */
export interface ShardChunkResult {
  shard: number;
  rows: RowCounts;
  bytes: number;
}

function drained(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      stream.off('drain', onDrain);
      reject(err);
    };
    const onDrain = () => {
      stream.off('error', onError);
      resolve();
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}

/**
 * Load one chunk into the shards that do not hold it yet (`clients[s]` set for those
 * only): BEGIN on each, COPY each its share of every table, log it, COMMIT each. Rows for
 * shards that already hold the chunk are dropped. Returns what each shard received.
 */
export async function loadChunkSharded(
  clients: ReadonlyArray<pg.Client | undefined>,
  schema: string,
  chunk: Chunk,
  pieces: Iterator<GeneratedPiece>,
  placement: Int32Array,
  onBytes: (n: number) => void,
): Promise<ShardChunkResult[]> {
  const started = performance.now();
  const used = clients.flatMap((c, s) => (c ? [s] : []));
  const client = (s: number) => clients[s]!;
  const results: ShardChunkResult[] = used.map((shard) => ({ shard, rows: Object.fromEntries(GROUP_TABLES[chunk.group].map((t) => [t, 0])), bytes: 0 }));
  const byShard = new Map(results.map((r) => [r.shard, r]));
  await Promise.all(used.map((s) => client(s).query('BEGIN')));
  try {
    // A commit lost in a crash also loses its log row, so the share is simply redone.
    await Promise.all(used.map((s) => client(s).query('SET LOCAL synchronous_commit = off')));
    let next = pieces.next();
    while (!next.done) {
      const table = next.value.table;
      const streams = new Map(used.map((s) => [s, client(s).query(recyclingCopyFrom(copySql(schema, table)))]));
      let failure: Error | undefined;
      for (const stream of streams.values()) stream.on('error', (err: Error) => (failure ??= err));
      let slice = performance.now();
      let sliceBytes = 0;
      while (!next.done && next.value.table === table && !failure) {
        const piece = next.value;
        const shares = splitRows(table, piece.buf, placement, clients.length);
        let handedOn = false;
        const waits: Array<Promise<void>> = [];
        for (const [s, stream] of streams) {
          const share = shares[s];
          if (!share) continue;
          const r = byShard.get(s)!;
          r.rows[table] = (r.rows[table] ?? 0) + share.rows;
          r.bytes += share.buf.length;
          onBytes(share.buf.length);
          // The COPY gives a generator's buffer back once the socket wrote it (db/copy.ts).
          if (share.buf === piece.buf) handedOn = true;
          if (!stream.write(share.buf)) waits.push(drained(stream));
        }
        if (!handedOn) piece.release();
        if (waits.length) await Promise.all(waits);
        sliceBytes += piece.buf.length;
        if (sliceBytes >= SLICE_BYTES || performance.now() - slice > SLICE_MS) {
          await yieldToLoop();
          slice = performance.now();
          sliceBytes = 0;
        }
        next = pieces.next();
      }
      if (failure) throw failure;
      for (const stream of streams.values()) stream.end();
      await Promise.all([...streams.values()].map((stream) => finished(stream)));
    }
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(
      results.map((r) =>
        client(r.shard).query(`INSERT INTO ${qualified(schema, '_pgscale_load_log')} (grp, chunk, rows, bytes, seconds) VALUES ($1, $2, $3, $4, $5)`, [
          chunk.group,
          chunk.k,
          JSON.stringify(r.rows),
          r.bytes,
          seconds,
        ]),
      ),
    );
    await Promise.all(used.map((s) => client(s).query('COMMIT')));
    return results;
  } catch (err) {
    pieces.return?.();
    // Connections may be gone (a shard stopped): rollbacks are best effort, the original
    // error is what the user needs to see.
    await Promise.all(
      used.map((s) =>
        client(s)
          .query('ROLLBACK')
          .catch((rollbackErr: unknown) => {
            (err as { rollbackError?: unknown }).rollbackError ??= rollbackErr;
          }),
      ),
    );
    throw err;
  }
}
