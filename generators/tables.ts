/**
 * The generated tables: their COPY column order and the chunk group that produces them.
 * Column order is chosen for the encoder (per-session prefixes first), COPY maps it.
 */
import type { Group } from './plan.ts';

export const TABLES = {
  tenants: { group: 'tenants', columns: ['id', 'name', 'slug', 'plan', 'is_active', 'settings', 'created_at'] },
  bots: { group: 'tenants', columns: ['id', 'tenant_id', 'name', 'llm_provider', 'model', 'system_prompt', 'is_active', 'created_at'] },
  users: {
    group: 'users',
    columns: ['id', 'tenant_id', 'external_id', 'display_name', 'email', 'preferred_channel', 'locale', 'sync_status', 'created_at', 'last_seen_at'],
  },
  user_sessions: {
    group: 'conversations',
    columns: ['id', 'tenant_id', 'user_id', 'bot_id', 'channel', 'intent', 'memory_type', 'title', 'message_count', 'created_at', 'last_activity_at'],
  },
  message_history: {
    group: 'conversations',
    columns: ['session_id', 'tenant_id', 'user_id', 'id', 'message_index', 'role', 'message_type', 'content', 'token_count', 'llm_provider', 'is_read', 'created_at'],
  },
  auto_tasks: {
    group: 'tasks',
    columns: ['id', 'tenant_id', 'user_id', 'session_id', 'title', 'status', 'priority', 'execution_mode', 'risk_level', 'intent', 'progress', 'created_at', 'updated_at', 'completed_at'],
  },
  task_approvals: {
    group: 'tasks',
    columns: ['id', 'task_id', 'tenant_id', 'approver_id', 'status', 'risk_level', 'reason', 'created_at', 'expires_at', 'decided_at'],
  },
  analytics_events: {
    group: 'events',
    columns: ['id', 'tenant_id', 'user_id', 'session_id', 'event_type', 'channel', 'properties', 'created_at'],
  },
} as const satisfies Record<string, { group: Group; columns: readonly string[] }>;

export type TableName = keyof typeof TABLES;
export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

export function isTableName(name: string): name is TableName {
  return Object.hasOwn(TABLES, name);
}

/** Rows written per table by one chunk. */
export type RowCounts = Partial<Record<TableName, number>>;
