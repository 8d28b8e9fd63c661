-- The tables the churn writes, copied into a scratch schema pgscale creates and drops:
-- the data set's rows in the order the loader wrote them (by time), then the design's
-- keys and indexes on these tables built after the rows, as the loader builds them.
-- {{src}} and {{dest}} are quoted schema names.

-- name: copy-sessions
INSERT INTO {{dest}}.user_sessions SELECT * FROM {{src}}.user_sessions ORDER BY created_at, id;

-- name: copy-tasks
INSERT INTO {{dest}}.auto_tasks SELECT * FROM {{src}}.auto_tasks ORDER BY created_at, id;

-- name: ready-tasks
-- The task queue the churn claims from: ready tasks in the copy.
SELECT count(*)::int AS n FROM {{dest}}.auto_tasks WHERE status = $1;
