-- A session's history, as the platform reads it ($1 = session_id; {{table}} is the
-- schema-qualified message_history). Served by idx_messages_session (session_id,
-- message_index) on every partition: a session_id alone prunes none.

-- name: list-view
-- What a list of the conversation needs: who said what kind of thing, when, how long,
-- read or not. No `content`: its TOAST pointers are never followed.
SELECT id, message_index, role, message_type, llm_provider, token_count, is_read, created_at
  FROM {{table}} WHERE session_id = $1 ORDER BY message_index;

-- name: select-star
-- The same rows with every column: each out-of-line `content` is fetched from the TOAST
-- table and decompressed when the row is sent.
SELECT * FROM {{table}} WHERE session_id = $1 ORDER BY message_index;
