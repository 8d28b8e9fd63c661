-- name: counters
-- Blocks requested (hit + read) so far by this session from message_history's relations,
-- by kind: the partitions' heaps, their TOAST tables with the TOAST indexes, and their
-- other indexes ($1 = the schema-qualified table). pg_stat_get_xact_blocks_* read the
-- session's own counters, which are not flushed inside a transaction block, so two
-- readings around a query in one transaction give what that query touched.
-- https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-STATS-FUNCTIONS
WITH leaves AS (
  SELECT c.oid, c.reltoastrelid FROM pg_partition_tree($1::regclass) p JOIN pg_class c ON c.oid = p.relid WHERE p.isleaf
), rels AS (
  SELECT 'heap' AS kind, oid FROM leaves
  UNION ALL
  SELECT 'toast', reltoastrelid FROM leaves WHERE reltoastrelid <> 0
  UNION ALL
  SELECT 'toast', i.indexrelid FROM leaves l JOIN pg_index i ON i.indrelid = l.reltoastrelid
  UNION ALL
  SELECT 'index', i.indexrelid FROM leaves l JOIN pg_index i ON i.indrelid = l.oid
)
SELECT kind, sum(pg_stat_get_xact_blocks_fetched(oid))::bigint AS fetched, sum(pg_stat_get_xact_blocks_hit(oid))::bigint AS hit
  FROM rels GROUP BY kind;

-- name: track-counts
SELECT current_setting('track_counts')::boolean AS on;
