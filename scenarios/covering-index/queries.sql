-- "A user's recent sessions", run with search_path set to the arm's scratch schema.

-- name: recent-sessions
-- Only columns the covering index holds: it can answer from the index alone.
SELECT created_at, title, message_count, last_activity_at FROM user_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20;

-- name: recent-sessions-with-id
-- As the platform mix sends it (workloads/platform.ts): id is not in the index, so every row needs the heap.
SELECT id, title, message_count, last_activity_at FROM user_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20;
