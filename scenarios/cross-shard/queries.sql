-- cross-shard: one question asked of one tenant, and of every tenant (docs/design.md,
-- "Tenancy and sharding"). {{schema}} is quoted by index.ts. Every ORDER BY ends on a
-- unique key, so the single server and the merge of the shards agree row for row.

-- name: busiest-tenant
-- The tenant with the most messages (ties: lowest id): the costliest tenant-local answer.
SELECT tenant_id::text AS tenant_id, count(*)::bigint::text AS messages,
       (SELECT count(*) FROM {{schema}}.message_history)::bigint::text AS total
  FROM {{schema}}.message_history
 GROUP BY tenant_id
 ORDER BY count(*) DESC, tenant_id
 LIMIT 1;

-- name: top-users-global
-- The users with the most messages across all tenants. A user belongs to one tenant, so on
-- a shard this is the shard's own top list, whose union holds the global one.
SELECT user_id::text AS user_id, count(*)::bigint::text AS messages
  FROM {{schema}}.message_history
 GROUP BY user_id
 ORDER BY count(*) DESC, user_id
 LIMIT $1;

-- name: top-users-tenant
SELECT user_id::text AS user_id, count(*)::bigint::text AS messages
  FROM {{schema}}.message_history
 WHERE tenant_id = $1
 GROUP BY user_id
 ORDER BY count(*) DESC, user_id
 LIMIT $2;

-- name: daily-global
-- Messages per UTC day (pgscale's sessions run in UTC). On a shard: its tenants' share of
-- each day, summed per day in the client.
SELECT to_char(date_trunc('day', created_at), 'YYYY-MM-DD') AS day, count(*)::bigint::text AS messages
  FROM {{schema}}.message_history
 GROUP BY 1
 ORDER BY 1;

-- name: daily-tenant
SELECT to_char(date_trunc('day', created_at), 'YYYY-MM-DD') AS day, count(*)::bigint::text AS messages
  FROM {{schema}}.message_history
 WHERE tenant_id = $1
 GROUP BY 1
 ORDER BY 1;
