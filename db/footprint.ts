/**
 * A data set's footprint on disk: per table, its rows and its bytes split into heap,
 * TOAST and indexes (summed over partitions). Plans scale these figures to other sizes.
 */
import type pg from 'pg';
import { TABLE_NAMES, type TableName } from '../generators/index.ts';
import { loggedRows } from './load.ts';
import { qualified } from './quote.ts';

/** Bytes of one table by kind; `heap` counts the main fork with its free-space and visibility maps. */
export interface TableBytes {
  rows: number;
  heap: number;
  toast: number;
  indexes: number;
}

export type Footprint = Record<TableName, TableBytes>;

/** Total bytes of a table's entry (heap + TOAST + indexes). */
export function totalBytes(t: Pick<TableBytes, 'heap' | 'toast' | 'indexes'>): number {
  return t.heap + t.toast + t.indexes;
}

// pg_table_size = main fork, FSM, VM and TOAST (with its index); pg_indexes_size = the
// table's own indexes (PostgreSQL docs, 9.28.7 "Database Object Management Functions").
const SIZES_SQL = `
  SELECT coalesce(sum(pg_table_size(r.oid) - coalesce(pg_total_relation_size(nullif(r.reltoastrelid, 0)), 0)), 0)::bigint AS heap,
         coalesce(sum(coalesce(pg_total_relation_size(nullif(r.reltoastrelid, 0)), 0)), 0)::bigint AS toast,
         coalesce(sum(pg_indexes_size(r.oid)), 0)::bigint AS indexes
    FROM (SELECT relid FROM pg_partition_tree($1::regclass) UNION SELECT $1::regclass) t
    JOIN pg_class r ON r.oid = t.relid`;

/** Measure every table of a pgscale data set: rows from its load log, bytes from the catalog. */
export async function measureFootprint(client: pg.Client, schema: string): Promise<Footprint> {
  const rows = await loggedRows(client, schema);
  const out = {} as Footprint;
  for (const t of TABLE_NAMES) {
    const r = await client.query<{ heap: string; toast: string; indexes: string }>(SIZES_SQL, [qualified(schema, t)]);
    out[t] = { rows: rows[t] ?? 0, heap: Number(r.rows[0].heap), toast: Number(r.rows[0].toast), indexes: Number(r.rows[0].indexes) };
  }
  return out;
}

/** Bytes of every relation in a schema (tables, indexes, TOAST): what dropping it gives back. */
export async function schemaBytes(client: pg.Client, schema: string): Promise<number> {
  const r = await client.query<{ bytes: string }>(
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes FROM pg_class c
      WHERE c.relnamespace = to_regnamespace($1) AND c.relkind IN ('r', 'm')`,
    [schema],
  );
  return Number(r.rows[0].bytes);
}
