-- n-plus-one: one user's sessions with their messages, three ways (docs/design.md,
-- "Query patterns"). {{schema}} is quoted by index.ts.

-- name: pick-users
-- For each wanted session count, the real user whose count is nearest (ties: lowest id).
WITH per_user AS MATERIALIZED (
  SELECT user_id, count(*)::int AS sessions FROM {{schema}}.user_sessions GROUP BY user_id
)
SELECT t.wanted, u.user_id::text AS user_id, u.sessions
  FROM unnest($1::int[]) AS t(wanted)
  CROSS JOIN LATERAL (
    SELECT user_id, sessions FROM per_user ORDER BY abs(sessions - t.wanted), user_id LIMIT 1
  ) u
 ORDER BY t.wanted;

-- name: sessions-of-user
-- N+1, the 1: the user's sessions.
SELECT * FROM {{schema}}.user_sessions WHERE user_id = $1;

-- name: messages-of-session
-- N+1, the N: one query per session.
SELECT * FROM {{schema}}.message_history WHERE session_id = $1;

-- name: join
-- One JOIN, as the design writes it: session columns repeat on every message row.
SELECT s.*, m.*
  FROM {{schema}}.user_sessions s
  LEFT JOIN {{schema}}.message_history m ON m.session_id = s.id
 WHERE s.user_id = $1
 ORDER BY s.created_at DESC, m.message_index;

-- name: aggregate
-- One query, one row per session, its messages aggregated into a JSON array.
SELECT s.*, coalesce(msgs.messages, '[]'::json) AS messages
  FROM {{schema}}.user_sessions s
  LEFT JOIN LATERAL (
    SELECT json_agg(mh ORDER BY mh.message_index) AS messages
      FROM {{schema}}.message_history mh
     WHERE mh.session_id = s.id
  ) msgs ON true
 WHERE s.user_id = $1
 ORDER BY s.created_at DESC;
