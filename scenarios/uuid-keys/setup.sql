-- uuid-keys: one table per arm, message-shaped, keyed by a UUID the server makes.
-- {{table}} is schema-qualified and quoted; {{key}} is gen_random_uuid() or uuidv7().

-- name: create
-- Autovacuum stays off so that only the inserts write to these tables while they are measured.
CREATE TABLE {{table}} (
  id uuid PRIMARY KEY,
  session_id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  content text NOT NULL
) WITH (autovacuum_enabled = false);

-- name: preload
-- The rows already there before the measured inserts: $1 of them, a second apart, ending at $2.
INSERT INTO {{table}} (id, session_id, created_at, content)
SELECT {{key}}, gen_random_uuid(), $2::timestamptz - (($1 - g) * interval '1 second'), repeat(md5(g::text), 3)
  FROM generate_series(1, $1::int) AS g;

-- name: lookup-key
-- A recent row's key: what an application mostly reads back.
SELECT id FROM {{table}} ORDER BY created_at DESC LIMIT 1;

-- name: lookup
SELECT id, session_id, created_at, content FROM {{table}} WHERE id = $1;
