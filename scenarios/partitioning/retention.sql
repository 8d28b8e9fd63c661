-- Retention of the oldest copied month, three ways, and the DEFAULT partition's catch.
-- WAL is the distance pg_current_wal_insert_lsn() moved across the step (the insert
-- position: pg_current_wal_lsn() is the write position, which lags records not yet
-- flushed). https://www.postgresql.org/docs/current/functions-admin.html

-- name: wal-position
SELECT pg_current_wal_insert_lsn()::text AS lsn;

-- name: wal-bytes
SELECT pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn)::bigint AS bytes;

-- name: drop
-- The whole month at once: its files are unlinked at commit, nothing is logged per row.
DROP TABLE {{partition}};

-- name: detach-concurrently
-- Two transactions, never ACCESS EXCLUSIVE on the parent, so queries keep running;
-- refused while the table has a DEFAULT partition (ALTER TABLE, DETACH PARTITION).
ALTER TABLE {{table}} DETACH PARTITION {{partition}} CONCURRENTLY;

-- name: detach-default
ALTER TABLE {{table}} DETACH PARTITION {{partition}};

-- name: attach-default
ALTER TABLE {{table}} ATTACH PARTITION {{partition}} DEFAULT;

-- name: delete
-- Row by row: every deleted row is a WAL record and a dead tuple in heap and indexes.
DELETE FROM {{table}} WHERE created_at >= $1 AND created_at < $2;

-- name: vacuum
VACUUM {{table}};

-- name: create-partition
-- The scratch schema's own copy of the design's function.
SELECT {{schema}}.create_monthly_partition('message_history', $1::date) AS name;

-- name: insert-shifted
-- $1 rows of the last copied month again, moved $2 later with new ids (an md5 of the old
-- id and the shift: deterministic): the writes that land after the copied months.
INSERT INTO {{table}} (id, session_id, tenant_id, user_id, message_index, role, message_type, llm_provider, content, token_count, is_read, created_at)
SELECT md5(id::text || $2::text)::uuid, session_id, tenant_id, user_id, message_index, role, message_type, llm_provider, content, token_count, is_read, created_at + $2::interval
  FROM {{table}} WHERE created_at >= $3 AND created_at < $4
 ORDER BY created_at LIMIT $1;

-- name: rows-in-partition
SELECT count(*)::bigint AS n FROM {{partition}};
