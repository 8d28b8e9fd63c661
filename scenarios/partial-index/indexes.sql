-- The design's three partial indexes (docs/design.md, "Indexes") and, for the other arm,
-- the same indexes without their WHERE. Same names in both arms: each lives in its own
-- scratch schema. The scratch copy is always SMALLINT, so predicates use the codes.

-- name: partial-unread
CREATE INDEX idx_messages_unread ON {{dest}}.message_history (user_id, created_at) WHERE is_read = false;
-- name: full-unread
CREATE INDEX idx_messages_unread ON {{dest}}.message_history (user_id, created_at);

-- name: partial-tasks
CREATE INDEX idx_tasks_status ON {{dest}}.auto_tasks (status, priority) WHERE status < {{task_completed}};
-- name: full-tasks
CREATE INDEX idx_tasks_status ON {{dest}}.auto_tasks (status, priority);

-- name: partial-approvals
CREATE INDEX idx_approvals_pending ON {{dest}}.task_approvals (task_id, expires_at) WHERE status = {{approval_pending}};
-- name: full-approvals
CREATE INDEX idx_approvals_pending ON {{dest}}.task_approvals (task_id, expires_at);
