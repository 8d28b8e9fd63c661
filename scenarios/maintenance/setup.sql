-- The copy maintenance measures, in one scratch schema pgscale creates and drops: the
-- schema's own monthly-partitioned message_history holding the data set's last
-- {{months}} calendar months, written in a shuffled order so no session's messages sit
-- together on the heap (as after months of interleaved traffic), with the session index
-- built before the rows arrive, so it grew by inserts as a production index does.

-- name: window
-- The first and the end month of the copy: the last $1 calendar months with rows.
SELECT greatest(date_trunc('month', min(created_at)), date_trunc('month', max(created_at)) - make_interval(months => $1::int - 1)) AS first,
       date_trunc('month', max(created_at)) + interval '1 month' AS "end"
  FROM {{src}}.message_history;

-- name: empty-partitions
-- Month partitions holding none of the copied months (named by create_monthly_partition).
SELECT c.relname AS name
  FROM pg_partition_tree($1::regclass) p JOIN pg_class c ON c.oid = p.relid
 WHERE p.isleaf AND c.relname <> 'message_history_default'
   AND c.relname NOT IN (SELECT 'message_history_' || to_char(m, 'YYYY_MM') FROM generate_series($2::timestamptz, $3::timestamptz - interval '1 month', interval '1 month') m);

-- name: session-index
-- The design's index (docs/design.md, "Indexes"), before the rows: it grows by inserts.
CREATE INDEX idx_messages_session ON {{table}} (session_id, message_index);

-- name: copy-shuffled
-- A deterministic shuffle (md5 of the id): every session's messages land far apart.
INSERT INTO {{dest}}.message_history SELECT * FROM {{src}}.message_history WHERE created_at >= $1 AND created_at < $2 ORDER BY md5(id::text);

-- name: leaves
SELECT c.relname AS name FROM pg_partition_tree($1::regclass) p JOIN pg_class c ON c.oid = p.relid WHERE p.isleaf;

-- name: autovacuum-off
-- Autovacuum off on one leaf: the WAL and locks measured around an operation are its own.
ALTER TABLE {{table}} SET (autovacuum_enabled = off);

-- name: busiest-session
-- The session with the most copied messages (ties by id): the lookup measured.
SELECT session_id, count(*)::int AS messages FROM {{table}} GROUP BY session_id ORDER BY count(*) DESC, session_id LIMIT 1;

-- name: rows
SELECT count(*)::bigint AS n FROM {{table}};
