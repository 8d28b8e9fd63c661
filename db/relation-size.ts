/** On-disk size of a relation the way pgscale counts it everywhere. */
import type pg from 'pg';
import { qualified } from './quote.ts';

/**
 * Bytes of a table or index with all its forks (heap/TOAST/indexes for a table), summed
 * over its partitions: a partitioned parent reports 0 itself, and pg_partition_tree lists
 * nothing for a plain relation, which then counts as itself.
 */
export async function totalRelationBytes(client: pg.Client, schema: string, relation: string): Promise<number> {
  const r = await client.query<{ bytes: string }>(
    `SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree($1::regclass)), pg_total_relation_size($1::regclass))::bigint AS bytes`,
    [qualified(schema, relation)],
  );
  return Number(r.rows[0].bytes);
}
