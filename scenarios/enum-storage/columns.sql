-- Bytes the enum columns take per row, and whole tuples, measured with pg_column_size.
-- {{sample}} is a TABLESAMPLE clause on large tables (empty on small ones).

-- name: auto_tasks
SELECT avg(pg_column_size(t.status) + pg_column_size(t.priority) + pg_column_size(t.execution_mode)
           + pg_column_size(t.risk_level) + pg_column_size(t.intent))::float8 AS enum_bytes,
       avg(pg_column_size(t.*))::float8 AS tuple_bytes
  FROM {{schema}}.auto_tasks t {{sample}};

-- name: message_history
SELECT avg(pg_column_size(t.role) + pg_column_size(t.message_type) + coalesce(pg_column_size(t.llm_provider), 0))::float8 AS enum_bytes,
       avg(pg_column_size(t.*))::float8 AS tuple_bytes
  FROM {{schema}}.message_history t {{sample}};

-- name: user_sessions
SELECT avg(pg_column_size(t.channel) + pg_column_size(t.intent) + pg_column_size(t.memory_type))::float8 AS enum_bytes,
       avg(pg_column_size(t.*))::float8 AS tuple_bytes
  FROM {{schema}}.user_sessions t {{sample}};

-- name: open-tasks
-- Rows in the partial index idx_tasks_status.
SELECT count(*)::bigint AS n FROM {{schema}}.auto_tasks WHERE {{open_tasks}};

-- name: copy-seconds
-- Seconds the load's COPY transactions took, summed over chunks (kept in the load log,
-- so known also for a data set reused from an earlier run).
SELECT coalesce(sum(seconds), 0)::float8 AS seconds FROM {{schema}}._pgscale_load_log;

-- name: load-wall-seconds
-- Wall time of the load that made the data set: from its creation to the state 'complete'
-- (recorded in the meta table, so known also when reused; a resumed load includes its pause).
SELECT extract(epoch FROM updated_at - created_at)::float8 AS seconds FROM {{schema}}._pgscale_meta;

-- name: map-forks
-- auto_tasks' free-space and visibility maps: part of its heap size (pg_table_size), a
-- near-fixed cost per table that is a visible share of bytes per row only at small scales.
SELECT (pg_relation_size(c.oid, 'fsm') + pg_relation_size(c.oid, 'vm'))::bigint AS bytes
  FROM pg_class c WHERE c.oid = ({{schema_literal}} || '.auto_tasks')::regclass;
