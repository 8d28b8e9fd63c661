-- autovacuum's SQL. {{schema}} is the data set's schema and {{pgstattuple}} the schema
-- holding pgstattuple's functions, both quoted by the caller.

-- name: activity
-- What the statistics system says of each churned table, read on every sample: live and
-- dead row versions, autovacuum and autoanalyze runs so far and the last one's time, and
-- updates (HOT or not). A fresh snapshot each time (pg_stat_clear_snapshot in the caller).
SELECT relname AS "table", n_live_tup AS live, n_dead_tup AS dead,
       autovacuum_count AS autovacuums, autoanalyze_count AS autoanalyzes,
       extract(epoch FROM last_autovacuum) AS last_autovacuum,
       n_tup_upd AS updates, n_tup_hot_upd AS hot_updates
  FROM pg_stat_user_tables
 WHERE schemaname = $1 AND relname = ANY($2::text[]);

-- name: table-bloat
-- pgstattuple reads the whole heap: exact dead and free space at this moment.
SELECT table_len AS bytes, dead_tuple_percent AS dead_percent, free_percent
  FROM {{pgstattuple}}.pgstattuple($1::regclass);

-- name: index-bloat
-- pgstatindex: a B-tree's size and how full its leaf pages are.
SELECT index_size AS bytes, leaf_pages, avg_leaf_density AS leaf_density
  FROM {{pgstattuple}}.pgstatindex($1::regclass);

-- name: reloptions
-- The per-table storage parameters in effect (the tuned arm's autovacuum_* settings).
SELECT c.relname AS "table", coalesce(array_to_string(c.reloptions, ', '), '') AS options
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = ANY($2::text[]);

-- name: naptime
-- The server's autovacuum_naptime in seconds, and whether autovacuum runs at all.
SELECT (SELECT setting::int FROM pg_settings WHERE name = 'autovacuum_naptime') AS seconds,
       current_setting('autovacuum') AS autovacuum,
       current_setting('track_counts') AS track_counts;

-- name: naptime-auto-conf
-- What postgresql.auto.conf (ALTER SYSTEM's file) holds for the naptime, to restore it
-- exactly (pg_file_settings: superusers and pg_read_all_settings only).
SELECT setting FROM pg_file_settings
 WHERE name = 'autovacuum_naptime' AND sourcefile LIKE '%postgresql.auto.conf' AND error IS NULL
 ORDER BY seqno DESC LIMIT 1;

-- name: list-sessions
-- The sidebar after the churn: a user's 20 latest sessions (idx_sessions_covering,
-- index-only only where the visibility map says the heap page is all-visible).
SELECT id, title, message_count, last_activity_at FROM user_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20;

-- name: recent-user
-- The user of the session the churn touched last (its clock runs on past the data set's end).
SELECT user_id FROM user_sessions ORDER BY last_activity_at DESC LIMIT 1;

-- name: next-task
-- The task queue after the churn: the highest-priority ready task (idx_tasks_status,
-- through the dead entries the claims left behind).
SELECT id FROM auto_tasks WHERE status = $1 ORDER BY priority DESC LIMIT 1;
