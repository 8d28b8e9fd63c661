-- The platform's tables (docs/design.md, "Tables"). Run with search_path set to pgscale's schema.
-- {{enum DOMAIN [null] [default=NAME]}} is replaced by the column type of the chosen enum
-- style: SMALLINT codes, VARCHAR names, TEXT names or a native ENUM type.
-- Primary keys and secondary indexes are built after the load (indexes.sql).

CREATE TABLE tenants (
  id            BIGINT NOT NULL,
  name          TEXT NOT NULL,
  slug          TEXT NOT NULL,
  plan          TEXT NOT NULL,
  is_active     BOOLEAN NOT NULL DEFAULT true,
  settings      JSONB NOT NULL DEFAULT '{}',
  created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE bots (
  id            BIGINT NOT NULL,
  tenant_id     BIGINT NOT NULL,
  name          TEXT NOT NULL,
  llm_provider  {{enum llm_provider}},
  model         TEXT NOT NULL,
  system_prompt TEXT,
  is_active     BOOLEAN NOT NULL DEFAULT true,
  created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
  id            UUID NOT NULL,
  tenant_id     BIGINT NOT NULL,
  external_id   TEXT NOT NULL,
  display_name  TEXT NOT NULL,
  email         TEXT,
  preferred_channel {{enum channel}},
  locale        TEXT NOT NULL,
  sync_status   {{enum sync_status default=synced}},
  created_at    TIMESTAMPTZ NOT NULL,
  last_seen_at  TIMESTAMPTZ
);

CREATE TABLE user_sessions (
  id               UUID NOT NULL,
  tenant_id        BIGINT NOT NULL,
  user_id          UUID NOT NULL,
  bot_id           BIGINT NOT NULL,
  channel          {{enum channel}},
  intent           {{enum intent default=unknown}},
  memory_type      {{enum memory_type default=short}},
  title            TEXT,
  message_count    INTEGER NOT NULL DEFAULT 0,
  created_at       TIMESTAMPTZ NOT NULL,
  last_activity_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE message_history (
  id            UUID NOT NULL,
  session_id    UUID NOT NULL,
  tenant_id     BIGINT NOT NULL,
  user_id       UUID NOT NULL,
  message_index INTEGER NOT NULL,
  role          {{enum message_role}},
  message_type  {{enum message_type default=text}},
  llm_provider  {{enum llm_provider null}},
  content       TEXT NOT NULL,
  token_count   INTEGER NOT NULL,
  is_read       BOOLEAN NOT NULL DEFAULT false,
  created_at    TIMESTAMPTZ NOT NULL
) PARTITION BY RANGE (created_at);

CREATE TABLE message_history_default PARTITION OF message_history DEFAULT;

-- The design's auto_tasks: five enum fields (status, priority, execution_mode,
-- risk_level, intent), the subject of "40 bytes per row = 40 GB per billion rows".
CREATE TABLE auto_tasks (
  id             UUID NOT NULL,
  tenant_id      BIGINT NOT NULL,
  user_id        UUID NOT NULL,
  session_id     UUID,
  title          TEXT NOT NULL,
  status         {{enum task_status default=pending}},
  priority       {{enum task_priority default=normal}},
  execution_mode {{enum execution_mode default=supervised}},
  risk_level     {{enum risk_level default=none}},
  intent         {{enum intent default=unknown}},
  progress       SMALLINT NOT NULL DEFAULT 0,
  created_at     TIMESTAMPTZ NOT NULL,
  updated_at     TIMESTAMPTZ NOT NULL,
  completed_at   TIMESTAMPTZ
);

CREATE TABLE task_approvals (
  id            UUID NOT NULL,
  task_id       UUID NOT NULL,
  tenant_id     BIGINT NOT NULL,
  approver_id   UUID,
  status        {{enum approval_status default=pending}},
  risk_level    {{enum risk_level default=none}},
  reason        TEXT,
  created_at    TIMESTAMPTZ NOT NULL,
  expires_at    TIMESTAMPTZ NOT NULL,
  decided_at    TIMESTAMPTZ
);

CREATE TABLE analytics_events (
  id            BIGINT NOT NULL,
  tenant_id     BIGINT NOT NULL,
  user_id       UUID NOT NULL,
  session_id    UUID,
  event_type    TEXT NOT NULL,
  channel       {{enum channel}},
  properties    JSONB NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL
) PARTITION BY RANGE (created_at);

CREATE TABLE analytics_events_default PARTITION OF analytics_events DEFAULT;

-- The design's create_monthly_partition(): creates a month's partition (its UTC month) of a
-- table partitioned by created_at.
CREATE FUNCTION create_monthly_partition(table_name TEXT, partition_date DATE)
RETURNS TEXT LANGUAGE plpgsql AS $fn$
DECLARE
  start_date DATE := date_trunc('month', partition_date)::date;
  end_date   DATE := (date_trunc('month', partition_date) + interval '1 month')::date;
  part_name  TEXT := table_name || '_' || to_char(start_date, 'YYYY_MM');
BEGIN
  -- Bounds are UTC month starts written as explicit UTC literals, so a session in another
  -- time zone (a server or database default) cannot shift them.
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
                 {{schema_lit}}, part_name, {{schema_lit}}, table_name,
                 to_char(start_date, 'YYYY-MM-DD') || ' 00:00:00+00', to_char(end_date, 'YYYY-MM-DD') || ' 00:00:00+00');
  RETURN part_name;
END
$fn$;
