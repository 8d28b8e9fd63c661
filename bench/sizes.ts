/**
 * Relation sizes done right: a partitioned parent has no storage of its own
 * (pg_relation_size reports 0), so every figure is summed over the leaf partitions
 * listed by pg_partition_tree; a plain table is not listed there (the function returns
 * nothing for it), so it stands for itself. Per table:
 *
 *   table = heap (main, FSM and VM forks) = pg_table_size − its TOAST
 *   toast = the TOAST table with its index
 *   index = one entry per index (all forks), partitions' indexes summed under the parent index name
 *   total = pg_total_relation_size = table + toast + every index
 *
 * https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-DBSIZE
 */
import { totalRelationBytes } from '../db/relation-size.ts';
import type pg from 'pg';
import { qualified } from '../db/quote.ts';

/** One size figure; index entries name the index, the others the table. */
export interface RelationSize {
  relation: string;
  kind: 'table' | 'index' | 'toast' | 'total';
  bytes: number;
  /** Rows of the table (table and total entries). */
  rows?: number;
  /** bytes ÷ the table's rows (for an index too: what each table row costs in it). */
  bytesPerRow?: number;
  /** The table an index or TOAST entry belongs to. */
  table?: string;
}

// One query per table: the leaves (or the table itself), and per leaf its sizes and its
// indexes with the root of each index's partition tree (NULL root: a plain index).
// Index sizes count every fork: a BRIN index has a free-space map too, which
// pg_relation_size (main fork only) would leave out of the sum that must equal the total.
const LEAF_SIZES_SQL = `
WITH leaves AS (
  SELECT relid FROM pg_partition_tree($1::regclass) WHERE isleaf
  UNION ALL
  SELECT $1::regclass WHERE NOT EXISTS (SELECT 1 FROM pg_partition_tree($1::regclass))
)
SELECT sum(pg_table_size(c.oid) - coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0))::bigint AS heap,
       sum(coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0))::bigint AS toast,
       sum(pg_total_relation_size(c.oid))::bigint AS total,
       sum(greatest(c.reltuples, 0))::bigint AS estimated_rows,
       count(*)::int AS leaves
  FROM leaves l JOIN pg_class c ON c.oid = l.relid`;

const LEAF_INDEXES_SQL = `
WITH leaves AS (
  SELECT relid FROM pg_partition_tree($1::regclass) WHERE isleaf
  UNION ALL
  SELECT $1::regclass WHERE NOT EXISTS (SELECT 1 FROM pg_partition_tree($1::regclass))
)
SELECT coalesce(root.relname, ic.relname) AS name, sum(pg_total_relation_size(i.indexrelid))::bigint AS bytes
  FROM leaves l
  JOIN pg_index i ON i.indrelid = l.relid
  JOIN pg_class ic ON ic.oid = i.indexrelid
  LEFT JOIN pg_class root ON root.oid = pg_partition_root(i.indexrelid)
 GROUP BY 1 ORDER BY 1`;

/**
 * Sizes of one table (schema-qualified by `schema`), summed over its partitions.
 * `rows` gives bytes per row; without it the planner's estimate (reltuples) is used.
 */
export async function tableSizes(client: pg.Client, schema: string, table: string, rows?: number): Promise<RelationSize[]> {
  const rel = qualified(schema, table);
  const s = await client.query<{ heap: string; toast: string; total: string; estimated_rows: string }>(LEAF_SIZES_SQL, [rel]);
  const ix = await client.query<{ name: string; bytes: string }>(LEAF_INDEXES_SQL, [rel]);
  const n = rows ?? Number(s.rows[0].estimated_rows);
  const per = (bytes: number) => (n > 0 ? bytes / n : undefined);
  const heap = Number(s.rows[0].heap);
  const toast = Number(s.rows[0].toast);
  const total = Number(s.rows[0].total);
  return [
    { relation: table, kind: 'table', bytes: heap, rows: n, bytesPerRow: per(heap) },
    { relation: table, kind: 'toast', bytes: toast, table, bytesPerRow: per(toast) },
    ...ix.rows.map((r): RelationSize => ({ relation: r.name, kind: 'index', bytes: Number(r.bytes), table, bytesPerRow: per(Number(r.bytes)) })),
    { relation: table, kind: 'total', bytes: total, rows: n, bytesPerRow: per(total) },
  ];
}

/** Size of one index, summed over its partitions (a partitioned index reports 0 itself). */
export async function indexSize(client: pg.Client, schema: string, index: string): Promise<number> {
  return totalRelationBytes(client, schema, index);
}

/** The entry of one kind and relation, or undefined. */
export function findSize(sizes: readonly RelationSize[], relation: string, kind: RelationSize['kind']): RelationSize | undefined {
  return sizes.find((s) => s.relation === relation && s.kind === kind);
}
