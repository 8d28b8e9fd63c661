-- Index sizes per kind of leaf partition: those whose heap holds rows and those that are
-- empty ($1 = the table, $2 = the index, both schema-qualified). An empty partition's index
-- is a fixed floor (a B-tree's metapage; a BRIN's metapage, range map and first summary
-- page), so summing it with the populated ones mixes a per-partition constant into what
-- should be a per-row figure.

-- name: index-by-leaf
SELECT pg_relation_size(c.oid) > 0 AS populated,
       count(*)::int AS partitions,
       sum(pg_total_relation_size(i.indexrelid))::bigint AS index_bytes,
       sum(pg_relation_size(c.oid))::bigint AS heap_bytes
  FROM pg_partition_tree($1::regclass) p
  JOIN pg_class c ON c.oid = p.relid
  JOIN pg_index i ON i.indrelid = c.oid
 WHERE p.isleaf AND pg_partition_root(i.indexrelid) = $2::regclass
 GROUP BY 1;

-- name: block-size
SELECT current_setting('block_size')::int AS bytes;
