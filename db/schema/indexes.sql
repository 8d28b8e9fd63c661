-- Built after the data is loaded (faster than maintaining them row by row during COPY).
-- One statement per index: the loader runs, times and reports each. Names and purposes:
-- docs/design.md, "Indexes". A "pred" placeholder is a predicate on an enum column written for the
-- chosen enum style (codes for SMALLINT, names otherwise).
ALTER TABLE tenants ADD CONSTRAINT tenants_pkey PRIMARY KEY (id);
ALTER TABLE bots ADD CONSTRAINT bots_pkey PRIMARY KEY (id);
ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY (id);
ALTER TABLE user_sessions ADD CONSTRAINT user_sessions_pkey PRIMARY KEY (id);
ALTER TABLE message_history ADD CONSTRAINT message_history_pkey PRIMARY KEY (id, created_at);
ALTER TABLE auto_tasks ADD CONSTRAINT auto_tasks_pkey PRIMARY KEY (id);
ALTER TABLE task_approvals ADD CONSTRAINT task_approvals_pkey PRIMARY KEY (id);
ALTER TABLE analytics_events ADD CONSTRAINT analytics_events_pkey PRIMARY KEY (id, created_at);
CREATE INDEX idx_sessions_user ON user_sessions (user_id, created_at DESC);
CREATE INDEX idx_messages_session ON message_history (session_id, message_index);
CREATE INDEX idx_tasks_status ON auto_tasks (status, priority) WHERE {{pred task_open}};
CREATE INDEX idx_sessions_tenant ON user_sessions (tenant_id, created_at DESC);
CREATE INDEX idx_bots_active ON bots (tenant_id, is_active) WHERE is_active = true;
CREATE INDEX idx_approvals_pending ON task_approvals (task_id, expires_at) WHERE {{pred approval_pending}};
CREATE INDEX idx_messages_unread ON message_history (user_id, created_at) WHERE is_read = false;
CREATE INDEX idx_messages_created_brin ON message_history USING BRIN (created_at);
CREATE INDEX idx_analytics_date_brin ON analytics_events USING BRIN (created_at);
CREATE INDEX idx_sessions_covering ON user_sessions (user_id, created_at DESC) INCLUDE (title, message_count, last_activity_at);
