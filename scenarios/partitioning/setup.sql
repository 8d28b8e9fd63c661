-- The copies partitioning measures, both in one scratch schema pgscale creates and drops:
-- the schema's own monthly-partitioned message_history, and message_history_flat, one
-- unpartitioned table holding the same rows in the same (time) order. Only the last
-- months of the data's span are copied ({{months}} at most): retention and pruning need a
-- handful of months that hold rows, and a whole-table copy, twice, would be about twice
-- the table plus its WAL at production scale.

-- name: window
-- The first and the end month of the copy: the last $1 calendar months with rows.
SELECT greatest(date_trunc('month', min(created_at)), date_trunc('month', max(created_at)) - make_interval(months => $1::int - 1)) AS first,
       date_trunc('month', max(created_at)) + interval '1 month' AS "end"
  FROM {{src}}.message_history;

-- name: copy
-- Partitions are read in bound order, each in load (time) order.
INSERT INTO {{dest}}.message_history SELECT * FROM {{src}}.message_history WHERE created_at >= $1 AND created_at < $2;

-- name: create-flat
CREATE TABLE {{dest}}.message_history_flat (LIKE {{dest}}.message_history INCLUDING DEFAULTS);

-- name: copy-flat
INSERT INTO {{dest}}.message_history_flat SELECT * FROM {{dest}}.message_history;

-- name: empty-partitions
-- Month partitions holding none of the copied months (named by create_monthly_partition).
SELECT c.relname AS name
  FROM pg_partition_tree($1::regclass) p JOIN pg_class c ON c.oid = p.relid
 WHERE p.isleaf AND c.relname <> 'message_history_default'
   AND c.relname NOT IN (SELECT 'message_history_' || to_char(m, 'YYYY_MM') FROM generate_series($2::timestamptz, $3::timestamptz - interval '1 month', interval '1 month') m);

-- name: indexes-partitioned
-- The design's indexes on message_history (docs/design.md, "Indexes"); built on the
-- partitioned table, each partition gets its own.
ALTER TABLE {{table}} ADD CONSTRAINT message_history_pkey PRIMARY KEY (id, created_at);
CREATE INDEX idx_messages_session ON {{table}} (session_id, message_index);
CREATE INDEX idx_messages_created_brin ON {{table}} USING brin (created_at);

-- name: indexes-flat
-- The same indexes on the unpartitioned copy (index names are per schema, hence _flat).
ALTER TABLE {{table}} ADD CONSTRAINT message_history_flat_pkey PRIMARY KEY (id, created_at);
CREATE INDEX idx_messages_session_flat ON {{table}} (session_id, message_index);
CREATE INDEX idx_messages_created_brin_flat ON {{table}} USING brin (created_at);

-- name: leaves
SELECT c.relname AS name FROM pg_partition_tree($1::regclass) p JOIN pg_class c ON c.oid = p.relid WHERE p.isleaf;

-- name: autovacuum-off
-- Autovacuum off on one leaf: the WAL measured around a retention step is that step's own,
-- and the DELETE's dead rows wait for the explicit VACUUM that is measured.
ALTER TABLE {{table}} SET (autovacuum_enabled = off);

-- name: busiest-session
-- The session with the most copied messages (ties by id): the lookup by session_id alone.
SELECT session_id, count(*)::int AS messages, count(DISTINCT date_trunc('month', created_at))::int AS months
  FROM {{table}} GROUP BY session_id ORDER BY count(*) DESC, session_id LIMIT 1;

-- name: rows-in
SELECT count(*)::bigint AS n FROM {{table}} WHERE created_at >= $1 AND created_at < $2;
