-- The scratch copy partial-index measures, one per arm (its own scratch schema, made by
-- pgscale with the platform's empty tables and no indexes). message_history: only the
-- last two calendar months of the data set (a whole-table copy per arm would be ~2 × 29 GB
-- at --scale 100m); auto_tasks and task_approvals whole (they are small). Both arms get
-- the same primary keys, so the write burst finds its rows the same way in each.

-- name: copy-messages
INSERT INTO {{dest}}.message_history SELECT * FROM {{src}}.message_history
 WHERE created_at >= (SELECT date_trunc('month', max(created_at)) - interval '1 month' FROM {{src}}.message_history);

-- name: drop-empty-partitions
-- The copy holds two months, but the scratch schema has every month's partition and a
-- DEFAULT one: empty, each would still carry an index metapage per index, a floor that
-- swamps a small partial index (issue 14's time-index artefact). They are the scratch
-- schema's own, and nothing is written outside the two months, so they go.
DO $$
DECLARE r record; empty boolean;
BEGIN
  FOR r IN SELECT relid FROM pg_partition_tree('{{dest}}.message_history'::regclass) WHERE isleaf LOOP
    EXECUTE format('SELECT NOT EXISTS (SELECT FROM %s)', r.relid) INTO empty;
    IF empty THEN EXECUTE format('DROP TABLE %s', r.relid); END IF;
  END LOOP;
END $$;

-- name: copy-tasks
INSERT INTO {{dest}}.auto_tasks SELECT * FROM {{src}}.auto_tasks;

-- name: copy-approvals
INSERT INTO {{dest}}.task_approvals SELECT * FROM {{src}}.task_approvals;

-- name: primary-keys
ALTER TABLE {{dest}}.message_history ADD PRIMARY KEY (id, created_at);
ALTER TABLE {{dest}}.auto_tasks ADD PRIMARY KEY (id);
ALTER TABLE {{dest}}.task_approvals ADD PRIMARY KEY (id);

-- name: keys
-- The rows the write burst moves across the predicates, numbered so a transaction picks
-- one by a random integer (the workload needs no query to find them): unread messages
-- (marked read), open tasks (completed) and pending approvals (decided). In hash order,
-- so consecutive draws land on unrelated pages. _pi_ tables live in the scratch schema.
CREATE TABLE {{dest}}._pi_unread AS
  SELECT row_number() OVER (ORDER BY md5(id::text)) AS n, id, created_at, session_id, tenant_id, user_id
    FROM {{dest}}.message_history WHERE is_read = false;
CREATE TABLE {{dest}}._pi_open_tasks AS
  SELECT row_number() OVER (ORDER BY md5(id::text)) AS n, id, tenant_id, user_id FROM {{dest}}.auto_tasks WHERE status < {{task_completed}};
CREATE TABLE {{dest}}._pi_pending AS
  SELECT row_number() OVER (ORDER BY md5(id::text)) AS n, id FROM {{dest}}.task_approvals WHERE status = {{approval_pending}};
CREATE UNIQUE INDEX ON {{dest}}._pi_unread (n);
CREATE UNIQUE INDEX ON {{dest}}._pi_open_tasks (n);
CREATE UNIQUE INDEX ON {{dest}}._pi_pending (n);

-- name: shares
-- How much of each table the predicates keep, and the keys' counts for the burst.
SELECT (SELECT count(*) FROM {{dest}}.message_history) AS messages,
       (SELECT count(*) FROM {{dest}}._pi_unread) AS unread,
       (SELECT count(*) FROM {{dest}}.auto_tasks) AS tasks,
       (SELECT count(*) FROM {{dest}}._pi_open_tasks) AS open_tasks,
       (SELECT count(*) FROM {{dest}}.task_approvals) AS approvals,
       (SELECT count(*) FROM {{dest}}._pi_pending) AS pending;

-- name: busiest-unread-user
-- The user with the most unread messages: the unread badge query's heaviest case.
SELECT user_id FROM {{dest}}.message_history WHERE is_read = false GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1;
