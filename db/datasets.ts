/**
 * The data sets on a server: pgscale's schemas (the marker and `_pgscale_meta`, as
 * inspectSchema decides), with what they were made from, how far their load got, the
 * rows the load log recorded and their size on disk.
 */
import type pg from 'pg';
import type { TableName } from '../generators/tables.ts';
import { loggedRows } from './load.ts';
import { type SchemaParams, type SchemaState, inspectSchema } from './schema.ts';

export interface DatasetInfo {
  schema: string;
  params?: SchemaParams;
  state?: SchemaState;
  complete: boolean;
  /** Rows per table as the load log recorded them (a scenario's scratch copy has none). */
  rows: Partial<Record<TableName, number>>;
  totalRows: number;
  /** Heap, TOAST and index bytes of every table in the schema. */
  bytes: number;
}

/** Every pgscale data set on the server, by schema name. */
export async function listDatasets(client: pg.Client): Promise<DatasetInfo[]> {
  // The row estimate of a 100m-row table is free; counting it is not: sizes come from the
  // catalog and row counts from the load log, never from count(*).
  const r = await client.query<{ schema: string; has_log: boolean; bytes: string }>(
    `SELECT n.nspname AS schema,
            to_regclass(format('%I._pgscale_load_log', n.nspname)) IS NOT NULL AS has_log,
            (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c
              WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'm'))::bigint AS bytes
       FROM pg_namespace n
      WHERE to_regclass(format('%I._pgscale_meta', n.nspname)) IS NOT NULL
      ORDER BY 1`,
  );
  const out: DatasetInfo[] = [];
  for (const row of r.rows) {
    const info = await inspectSchema(client, row.schema);
    if (!info.owned) continue;
    const rows = row.has_log ? await loggedRows(client, row.schema) : {};
    out.push({
      schema: row.schema,
      params: info.params,
      state: info.state,
      complete: info.state === 'complete',
      rows,
      totalRows: Object.values(rows).reduce((a, b) => a + (b ?? 0), 0),
      bytes: Number(row.bytes),
    });
  }
  return out;
}
