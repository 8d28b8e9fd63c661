/**
 * What a burst of inserts wrote and read, around one table and its primary key: WAL bytes
 * (the LSN difference, the whole server's), and from pg_walinspect the index's and the
 * heap's own WAL — full-page images, their bytes, and the distinct blocks touched — plus
 * the table's buffer hits and reads (pg_statio_user_tables). A full-page image is written
 * the first time a block changes after a checkpoint (docs: wal-reliability.html), so after
 * a CHECKPOINT their count is the number of distinct blocks the inserts dirtied.
 */
import type pg from 'pg';
import { qualified, quoteIdent } from '../../db/quote.ts';

/** Where a measurement starts: the WAL position and the table's buffer counters. */
export interface Mark {
  lsn: string;
  io: BufferCounts;
}

export interface BufferCounts {
  heapRead: number;
  heapHit: number;
  indexRead: number;
  indexHit: number;
}

/** One relation's share of the WAL between two marks. */
export interface RelationWal {
  /** WAL records that referenced one of its blocks. */
  records: number;
  fpis: number;
  fpiBytes: number;
  /** Distinct blocks referenced. */
  blocks: number;
}

export interface WalSpan {
  walBytes: number;
  /** Full-page image bytes of every relation in the span. */
  fpiBytes: number;
  index: RelationWal;
  heap: RelationWal;
}

async function bufferCounts(client: pg.Client, schema: string, table: string): Promise<BufferCounts> {
  // A fresh statistics snapshot: the counters read earlier in this session are not reused.
  await client.query('SELECT pg_stat_clear_snapshot()');
  const r = await client.query<Record<keyof BufferCounts, string>>(
    `SELECT coalesce(heap_blks_read, 0) AS "heapRead", coalesce(heap_blks_hit, 0) AS "heapHit", coalesce(idx_blks_read, 0) AS "indexRead", coalesce(idx_blks_hit, 0) AS "indexHit"
       FROM pg_statio_user_tables WHERE relid = $1::regclass`,
    [qualified(schema, table)],
  );
  const row = r.rows[0];
  return { heapRead: Number(row.heapRead), heapHit: Number(row.heapHit), indexRead: Number(row.indexRead), indexHit: Number(row.indexHit) };
}

/** The WAL position and buffer counters now. */
export async function mark(client: pg.Client, schema: string, table: string): Promise<Mark> {
  const r = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return { lsn: r.rows[0].lsn, io: await bufferCounts(client, schema, table) };
}

/**
 * Wait until the load test's backends have exited: a backend sends its statistics when
 * it goes (or idles a while), so counters read before then miss its last transactions.
 */
export async function settleBackends(client: pg.Client, applicationName: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const r = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [applicationName]);
    if (Number(r.rows[0].n) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Buffer hits and reads of the table and its indexes since `from`. */
export async function buffersSince(client: pg.Client, schema: string, table: string, from: Mark): Promise<BufferCounts> {
  const now = await bufferCounts(client, schema, table);
  return { heapRead: now.heapRead - from.io.heapRead, heapHit: now.heapHit - from.io.heapHit, indexRead: now.indexRead - from.io.indexRead, indexHit: now.indexHit - from.io.indexHit };
}

/**
 * The WAL written since `from`, with the index's and heap's share read back by
 * pg_walinspect (installed in `walinspect`), or only the byte count without it.
 */
export async function walSince(client: pg.Client, from: Mark, rel: { schema: string; table: string; index: string }, walinspect?: string): Promise<{ walBytes: number; detail?: WalSpan }> {
  const end = await client.query<{ lsn: string; bytes: string }>('SELECT pg_current_wal_lsn()::text AS lsn, pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS bytes', [from.lsn]);
  const walBytes = Number(end.rows[0].bytes);
  if (!walinspect) return { walBytes };
  const r = await client.query<{ which: string; records: string; fpis: string; fpi_bytes: string; blocks: string }>(
    `WITH b AS (
       SELECT * FROM ${quoteIdent(walinspect)}.pg_get_wal_block_info($1::pg_lsn, $2::pg_lsn, false)
        WHERE reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
     ), rels AS (
       SELECT 'index' AS which, pg_relation_filenode($3::regclass) AS filenode
       UNION ALL SELECT 'heap', pg_relation_filenode($4::regclass)
     )
     SELECT 'all' AS which, count(DISTINCT start_lsn) AS records, count(*) FILTER (WHERE block_fpi_length > 0) AS fpis, coalesce(sum(block_fpi_length), 0) AS fpi_bytes, 0 AS blocks FROM b
     UNION ALL
     SELECT rels.which, count(DISTINCT b.start_lsn), count(*) FILTER (WHERE b.block_fpi_length > 0), coalesce(sum(b.block_fpi_length), 0), count(DISTINCT b.relblocknumber)
       FROM rels LEFT JOIN b ON b.relfilenode = rels.filenode AND b.relforknumber = 0
      GROUP BY rels.which`,
    [from.lsn, end.rows[0].lsn, qualified(rel.schema, rel.index), qualified(rel.schema, rel.table)],
  );
  const of = (which: string): RelationWal => {
    const row = r.rows.find((x) => x.which === which)!;
    return { records: Number(row.records), fpis: Number(row.fpis), fpiBytes: Number(row.fpi_bytes), blocks: Number(row.blocks) };
  };
  return { walBytes, detail: { walBytes, fpiBytes: of('all').fpiBytes, index: of('index'), heap: of('heap') } };
}
