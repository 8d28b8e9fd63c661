-- What maintenance measures before and after each operation.

-- name: session
-- A session's messages in order: the chat view's query, served by idx_messages_session.
SELECT id, message_index, role, content, created_at FROM {{table}} WHERE session_id = $1 ORDER BY message_index;

-- name: session-blocks
-- The distinct heap blocks (per partition) holding the session's rows: where they lie,
-- whatever the cache holds.
SELECT count(DISTINCT (tableoid, (ctid::text::point)[0]))::int AS blocks FROM {{table}} WHERE session_id = $1;

-- name: blocks-per-session
-- The same over every session of the copy: mean heap blocks per session and the mean
-- the session's row count allows at the table's rows per block (the floor clustering nears).
SELECT avg(blocks)::float8 AS mean, avg(floor_blocks)::float8 AS floor
  FROM (SELECT session_id, count(DISTINCT (tableoid, (ctid::text::point)[0])) AS blocks, ceil(count(*) / $1::float8) AS floor_blocks
          FROM {{table}} GROUP BY session_id) s;

-- name: rows-per-block
SELECT (sum(c.reltuples) / greatest(sum(c.relpages), 1))::float8 AS n
  FROM pg_partition_tree($1::regclass) p JOIN pg_class c ON c.oid = p.relid WHERE p.isleaf;

-- name: wal-position
-- The insert position: pg_current_wal_lsn() is the write position, which lags records not
-- yet flushed (https://www.postgresql.org/docs/current/functions-admin.html).
SELECT pg_current_wal_insert_lsn()::text AS lsn;

-- name: wal-bytes
SELECT pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn)::bigint AS bytes;

-- name: locks-of
-- The relation locks a backend holds or waits for, by relation name (a new, not yet
-- visible heap shows as its OID).
SELECT coalesce(c.relname, l.relation::text) AS relation, c.relkind::text AS kind, l.mode, l.granted
  FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = $1 AND l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
 ORDER BY l.granted DESC, c.relname, l.mode;

-- name: waiting
-- Whether the backend waits on a lock, and on which kind.
SELECT wait_event_type, wait_event, cardinality(pg_blocking_pids(pid)) AS blockers FROM pg_stat_activity WHERE pid = $1;

-- name: probe-read
SELECT session_id FROM {{table}} WHERE session_id = $1 LIMIT 1;

-- name: probe-write
-- A write that is rolled back: it takes the lock a real write takes (ROW EXCLUSIVE).
UPDATE {{table}} SET is_read = is_read WHERE session_id = $1;

-- name: cluster-bare
-- The form without an index: it reclusters on the index marked clustered, if there is one.
CLUSTER {{table}};

-- name: cluster-on
-- Marking the partitioned index as the table's clustered one, for the bare form.
ALTER TABLE {{table}} CLUSTER ON {{index}};

-- name: partitions-marked
-- Leaf indexes of the partitioned index that CLUSTER marked as clustered.
SELECT count(*) FILTER (WHERE i.indisclustered)::int AS marked, count(*)::int AS leaves
  FROM pg_partition_tree($1::regclass) p JOIN pg_index i ON i.indexrelid = p.relid WHERE p.isleaf;
