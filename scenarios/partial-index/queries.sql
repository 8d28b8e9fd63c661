-- The query each index serves, as the platform mix sends it (workloads/platform.ts), with
-- the predicate written as a constant ("literal") and as a parameter ("param"): a generic
-- plan cannot prove a parameter satisfies the index's WHERE, so it cannot use a partial index.
-- Run with search_path set to the arm's scratch schema.

-- name: unread-literal
SELECT id, session_id, created_at FROM message_history WHERE user_id = $1 AND is_read = false ORDER BY created_at DESC LIMIT 50;
-- name: unread-param
SELECT id, session_id, created_at FROM message_history WHERE user_id = $1 AND is_read = $2 ORDER BY created_at DESC LIMIT 50;

-- name: tasks-literal
SELECT id FROM auto_tasks WHERE status = {{task_ready}} ORDER BY priority DESC LIMIT 1;
-- name: tasks-param
SELECT id FROM auto_tasks WHERE status = $1 ORDER BY priority DESC LIMIT 1;

-- name: approvals-literal
SELECT id, task_id, expires_at FROM task_approvals WHERE status = {{approval_pending}} ORDER BY task_id LIMIT 20;
-- name: approvals-param
SELECT id, task_id, expires_at FROM task_approvals WHERE status = $1 ORDER BY task_id LIMIT 20;
