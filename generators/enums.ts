/**
 * The platform's enum domains (docs/design.md): SMALLINT code → name. The SMALLINT
 * style stores the code, the VARCHAR/TEXT styles the name, the ENUM style a native type.
 * message_role's codes are the row kernel's too, so they come from its layout.
 */
import { MESSAGE_ROLE_NAMES } from './kernel-layout.ts';

export const ENUMS = {
  channel: ['web', 'whatsapp', 'telegram', 'msteams', 'slack', 'email', 'sms', 'voice', 'instagram', 'api'],
  message_role: MESSAGE_ROLE_NAMES,
  message_type: ['text', 'image', 'audio', 'video', 'document', 'location', 'contact', 'sticker', 'reaction'],
  llm_provider: ['openai', 'anthropic', 'azure_openai', 'azure_claude', 'google', 'local', 'ollama', 'groq', 'mistral', 'cohere'],
  task_status: ['pending', 'ready', 'running', 'paused', 'waiting_approval', 'completed', 'failed', 'cancelled'],
  task_priority: ['low', 'normal', 'high', 'urgent', 'critical'],
  execution_mode: ['manual', 'supervised', 'autonomous'],
  risk_level: ['none', 'low', 'medium', 'high', 'critical'],
  approval_status: ['pending', 'approved', 'rejected', 'expired', 'skipped'],
  intent: ['unknown', 'app_create', 'todo', 'monitor', 'action', 'schedule', 'goal', 'tool', 'query'],
  memory_type: ['short', 'long', 'episodic', 'semantic', 'procedural'],
  sync_status: ['synced', 'pending', 'conflict', 'error', 'deleted'],
} as const;

export type EnumDomain = keyof typeof ENUMS;

/** How enum columns are stored. */
export type EnumStyle = 'smallint' | 'varchar' | 'text' | 'enum';
export const ENUM_STYLES: readonly EnumStyle[] = ['smallint', 'varchar', 'text', 'enum'];

/** code → name for a domain, as a sparse array (message_role's codes are not contiguous). */
export function names(domain: EnumDomain): string[] {
  const d = ENUMS[domain] as readonly string[] | Record<number, string>;
  if (Array.isArray(d)) return [...d];
  const out: string[] = [];
  for (const [code, name] of Object.entries(d)) out[Number(code)] = name;
  return out;
}

/** All (code, name) pairs of a domain, in code order. */
export function entries(domain: EnumDomain): Array<[number, string]> {
  return names(domain)
    .map((name, code) => [code, name] as [number, string])
    .filter(([, name]) => name !== undefined);
}

/** The code of a name in a domain; throws on an unknown name (a typo in the generator). */
export function code(domain: EnumDomain, name: string): number {
  const c = names(domain).indexOf(name);
  if (c < 0) throw new Error(`unknown ${domain} value '${name}'`);
  return c;
}

/** VARCHAR widths of the design's "before" table (docs/design.md), 50 elsewhere. */
export const VARCHAR_WIDTH: Partial<Record<EnumDomain, number>> = {
  task_priority: 20,
  risk_level: 20,
  channel: 20,
  message_role: 20,
  message_type: 20,
  sync_status: 20,
  approval_status: 20,
  memory_type: 20,
};
