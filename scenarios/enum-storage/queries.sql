-- The queries enum-storage times on auto_tasks, once per enum style. Tokens are filled
-- per style by index.ts: {{status:NAME}} / {{priority:NAME}} are the stored value of a
-- name (a SMALLINT code, or the quoted name); {{open_tasks}} is the predicate of the
-- partial index idx_tasks_status as written for that style; {{priority_rank}} orders
-- priorities by rank (a VARCHAR/TEXT column sorts alphabetically, so it needs a CASE);
-- {{status_name}} etc. turn a stored value into its name (SMALLINT needs a lookup).

-- name: eq-status
-- An equality filter on an open status: idx_tasks_status (WHERE status < 5) applies.
SELECT count(*) FROM {{schema}}.auto_tasks WHERE status = {{status:waiting_approval}};

-- name: eq-status-priority
-- Both key columns of idx_tasks_status, returning rows.
SELECT id, title FROM {{schema}}.auto_tasks WHERE status = {{status:pending}} AND priority = {{priority:urgent}};

-- name: group-by-status
-- The dashboard count: every row read, grouped on the enum column.
SELECT status, count(*) FROM {{schema}}.auto_tasks GROUP BY status;

-- name: order-by-priority
-- Most urgent open tasks first: the sort key is the enum column's rank.
SELECT id, title, priority FROM {{schema}}.auto_tasks
 WHERE {{open_tasks}}
 ORDER BY {{priority_rank}} DESC, created_at DESC
 LIMIT 100;

-- name: name-lookup
-- What a UI shows: names, not codes. SMALLINT pays a CASE per value; the others read the name.
SELECT t.id, t.title, {{status_name}} AS status, {{priority_name}} AS priority, {{execution_mode_name}} AS execution_mode
  FROM {{schema}}.auto_tasks t
 WHERE t.status = {{status:waiting_approval}};
