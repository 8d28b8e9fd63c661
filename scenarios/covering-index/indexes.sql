-- The two arms' index on user_sessions (docs/design.md, "Indexes").

-- name: plain
CREATE INDEX idx_sessions_user ON {{dest}}.user_sessions (user_id, created_at DESC);
-- name: covering
CREATE INDEX idx_sessions_covering ON {{dest}}.user_sessions (user_id, created_at DESC) INCLUDE (title, message_count, last_activity_at);
