/**
 * The blocks one read touches, by relation kind: heap, TOAST, index. EXPLAIN (ANALYZE,
 * BUFFERS) cannot show TOAST: the executor hands out `content` as a TOAST pointer, and it
 * is fetched and decompressed only when the row is sent to the client, which EXPLAIN does
 * not do (PostgreSQL 17's EXPLAIN (SERIALIZE) does; the servers pgscale meets need not be
 * 17). So the read runs as the client runs it, rows sent, between two readings of the
 * session's per-relation statistics counters inside one transaction.
 */
import type pg from 'pg';
import { qualified } from '../../db/quote.ts';
import { namedStatements, readSql, statement } from '../sql.ts';

const blocksSql = namedStatements(readSql(import.meta.url, 'blocks.sql'));

/** Blocks requested (shared-buffer hits and reads) from each kind of relation. */
export interface BlocksTouched {
  heap: number;
  toast: number;
  index: number;
  /** Of all of them, how many were not in shared buffers. */
  read: number;
  /** Rows the read returned. */
  rows: number;
}

type Counters = Record<'heap' | 'toast' | 'index', { fetched: number; hit: number }>;

async function counters(client: pg.Client, table: string): Promise<Counters> {
  const out: Counters = { heap: { fetched: 0, hit: 0 }, toast: { fetched: 0, hit: 0 }, index: { fetched: 0, hit: 0 } };
  const r = await client.query<{ kind: keyof Counters; fetched: string; hit: string }>(statement(blocksSql, 'counters'), [table]);
  for (const row of r.rows) out[row.kind] = { fetched: Number(row.fetched), hit: Number(row.hit) };
  return out;
}

/** Whether the server keeps the counters at all (track_counts; on by default). */
export async function countsTracked(client: pg.Client): Promise<boolean> {
  return (await client.query<{ on: boolean }>(statement(blocksSql, 'track-counts'))).rows[0].on;
}

/** Run `sql` once, its rows sent to this client, and count what it touched in `schema`.message_history. */
export async function blocksTouched(client: pg.Client, schema: string, sql: string, params: unknown[]): Promise<BlocksTouched> {
  const table = qualified(schema, 'message_history');
  await client.query('BEGIN');
  try {
    const before = await counters(client, table);
    const rows = (await client.query(sql, params)).rowCount ?? 0;
    const after = await counters(client, table);
    const d = (k: keyof Counters) => after[k].fetched - before[k].fetched;
    const read = (['heap', 'toast', 'index'] as const).reduce((a, k) => a + d(k) - (after[k].hit - before[k].hit), 0);
    return { heap: d('heap'), toast: d('toast'), index: d('index'), read, rows };
  } finally {
    await client.query('COMMIT');
  }
}
