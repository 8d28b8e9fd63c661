-- covering-index's scratch copy, one per arm (a pgscale scratch schema: the platform's
-- empty tables, no indexes): user_sessions whole, with its primary key. Autovacuum is off
-- on the copy so the visibility map changes only when the scenario says so (VACUUM, or
-- the updates that clear all-visible bits).

-- name: copy-sessions
INSERT INTO {{dest}}.user_sessions SELECT * FROM {{src}}.user_sessions;
ALTER TABLE {{dest}}.user_sessions ADD PRIMARY KEY (id);
ALTER TABLE {{dest}}.user_sessions SET (autovacuum_enabled = false);

-- name: busiest-user
-- The user with the most sessions: the session list's heaviest case.
SELECT user_id, count(*)::int AS sessions FROM {{dest}}.user_sessions GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1;

-- name: keys
-- That user's 20 most recent sessions (the ones the list shows), numbered for the update burst.
CREATE TABLE {{dest}}._ci_sessions AS
  SELECT row_number() OVER (ORDER BY created_at DESC) AS n, id FROM {{dest}}.user_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20;
