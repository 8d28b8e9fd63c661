-- Copies of message_history for time-index, each in its own scratch schema (pgscale's
-- own, made with the same monthly partitions and no indexes). Only the two calendar
-- months the range queries touch are copied ($1 = range-start): the month range runs
-- from the 15th into the next month. A whole-table copy, twice, would be ~2 × 29 GB
-- plus WAL at --scale 100m for queries that read at most two partitions.

-- name: copy-ordered
-- Time order as loaded: partitions are read in order, each in physical (load) order.
INSERT INTO {{dest}}.message_history SELECT * FROM {{src}}.message_history
 WHERE created_at >= date_trunc('month', $1::timestamptz) AND created_at < date_trunc('month', $1::timestamptz) + interval '2 months';

-- name: copy-shuffled
-- Low physical correlation: rows ordered by a hash of their id (deterministic), so each
-- month's rows land in random pages of its partition.
INSERT INTO {{dest}}.message_history SELECT * FROM {{src}}.message_history
 WHERE created_at >= date_trunc('month', $1::timestamptz) AND created_at < date_trunc('month', $1::timestamptz) + interval '2 months'
 ORDER BY md5(id::text);

-- name: range-start
-- The 15th of the month in the middle of the data's span, at 14:00 UTC (the diurnal
-- peak): the hour, day and week stay inside one monthly partition, the month spans two.
SELECT date_trunc('month', min(created_at) + (max(created_at) - min(created_at)) / 2) + interval '14 days 14 hours' AS start
  FROM {{src}}.message_history;

-- name: range-ends
SELECT $1::timestamptz + interval '1 hour' AS hour,
       $1::timestamptz + interval '1 day' AS day,
       $1::timestamptz + interval '7 days' AS week,
       $1::timestamptz + interval '1 month' AS month;

-- name: rows-in-range
SELECT count(*)::bigint AS n FROM {{src}}.message_history WHERE created_at >= $1 AND created_at < $2;

-- name: rows-copied
SELECT count(*)::bigint AS n FROM {{dest}}.message_history;

-- name: correlation
-- pg_stats.correlation of created_at per leaf partition, weighted by its rows: how well
-- physical order follows time (1 = perfectly, 0 = not at all).
SELECT (sum(s.correlation * c.reltuples) / nullif(sum(c.reltuples), 0))::float8 AS correlation
  FROM pg_partition_tree($1::regclass) p
  JOIN pg_class c ON c.oid = p.relid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'created_at' AND NOT s.inherited
 WHERE p.isleaf AND c.reltuples > 0;
