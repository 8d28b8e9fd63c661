-- toast's copies of message_history and what it reads from them. {{src}} and {{dest}}
-- are the data set's and a scratch schema's names, {{table}} a schema-qualified table,
-- {{from}} and {{to}} the copied month's bounds as quoted literals: all quoted by index.ts.

-- name: window
-- The calendar month in the middle of the data's span: what each copy holds (the month
-- the plan's `scratch` estimate counts), and where the long histories are chosen.
SELECT date_trunc('month', min(created_at) + (max(created_at) - min(created_at)) / 2) AS from_ts,
       date_trunc('month', min(created_at) + (max(created_at) - min(created_at)) / 2) + interval '1 month' AS to_ts
  FROM {{src}}.message_history;

-- name: long-histories
-- Sessions with long histories in that month: the longest one, and one at the 90th
-- percentile of messages per session (ties broken by id, so every run picks the same).
WITH s AS (
  SELECT session_id, count(*)::int AS messages
    FROM {{src}}.message_history
   WHERE created_at >= $1 AND created_at < $2
   GROUP BY session_id
), p AS (
  SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY messages) AS p90 FROM s
)
(SELECT 'longest' AS kind, session_id, messages FROM s ORDER BY messages DESC, session_id LIMIT 1)
UNION ALL
(SELECT 'p90', s.session_id, s.messages FROM s, p WHERE s.messages = p.p90 ORDER BY s.session_id LIMIT 1);

-- name: copy-out
-- The month's messages as COPY text, streamed into the copy's COPY FROM STDIN: every
-- value is compressed anew with the copy's method. (INSERT … SELECT would not do: values
-- compressed in the source may keep their method, ALTER TABLE "SET COMPRESSION".)
COPY (SELECT {{columns}} FROM {{src}}.message_history WHERE created_at >= {{from}} AND created_at < {{to}}) TO STDOUT;

-- name: probe-compression
-- Whether the server can compress with {{method}}: built without lz4, this fails with
-- SQLSTATE 0A000 "compression method lz4 not supported".
CREATE TABLE {{table}} (c text COMPRESSION {{method}});

-- name: set-compression
ALTER TABLE {{table}} ALTER COLUMN content SET COMPRESSION {{method}};

-- name: default-compression
SELECT current_setting('default_toast_compression') AS method;

-- name: relations
-- The table and its partitions, each of which keeps its own column compression
-- (ALTER TABLE on the partitioned parent does not pass SET COMPRESSION down).
SELECT n.nspname AS schema, c.relname AS name
  FROM pg_partition_tree($1::regclass) p
  JOIN pg_class c ON c.oid = p.relid
  JOIN pg_namespace n ON n.oid = c.relnamespace;

-- name: session-index
-- The design's index for a session's history (the scratch copy is made without indexes).
CREATE INDEX idx_messages_session ON {{table}} (session_id, message_index);

-- name: content
-- What compression did to the copy's content: raw bytes, stored bytes (compressed
-- and/or out of line), and how many values are stored compressed with which method.
SELECT count(*)::bigint AS rows,
       coalesce(sum(octet_length(content)), 0)::bigint AS raw_bytes,
       coalesce(sum(pg_column_size(content)), 0)::bigint AS stored_bytes,
       count(*) FILTER (WHERE pg_column_compression(content) = $1)::bigint AS compressed,
       count(*) FILTER (WHERE pg_column_compression(content) <> $1)::bigint AS other_method
  FROM {{table}};
