-- The measured queries, on either copy ({{table}}: message_history or message_history_flat).

-- name: range
-- Rows in a time range, read from the heap (sum of a column no index holds). On the
-- partitioned copy the planner prunes to the partitions the range overlaps.
SELECT count(*), sum(token_count) FROM {{table}} WHERE created_at >= $1 AND created_at < $2;

-- name: session
-- A session's messages by session_id alone (docs/design.md, "Query patterns"): nothing
-- tells the planner which months hold them, so every partition's index is probed.
SELECT id, message_index, role, token_count, created_at FROM {{table}} WHERE session_id = $1 ORDER BY message_index;
