/**
 * The row kernel's exports written again in plain TypeScript, as simply as they can be
 * (CopyWriter for the bytes, Rng for the draws, no shortcuts): the reference the property
 * tests in row-kernel-exports.test.ts hold each export to. Text arguments are read from
 * the kernel's memory at the address the call gives.
 */
import type { CopyWriter } from '../../generators/copytext.ts';
import type { Categorical, LogNormal } from '../../generators/distributions.ts';
import type { EncodedCache } from '../../generators/encoded-cache.ts';
import { CONVERSATION, type EventCall, type EventTailCall, type IdCall, ROLE, type SessionCall, type TaskTailCall } from '../../generators/kernel-layout.ts';
import { type Pair, fmix32, permute64 } from '../../generators/rng.ts';
import type { Rng } from '../../generators/rng.ts';

/** Bytes of the kernel's memory at an address. */
export type Memory = (at: number, len: number) => Buffer;

const pair: Pair = { hi: 0, lo: 0 };

/** id: a 4-round Feistel permutation of (hi, lo) under `mixed`, two middle words hashed with `key`. */
export function id(w: CopyWriter, a: Omit<IdCall, 'out'>): void {
  const { hi: l, lo: r } = permute64(a.hi, a.lo, a.mixed, pair);
  const b = fmix32((l ^ Math.imul(r, 0x85ebca6b) ^ a.key) >>> 0);
  const c = fmix32((r ^ Math.imul(l, 0xc2b2ae35) ^ a.key) >>> 0);
  w.uuid(l, b, c, r);
}

function idOrNull(w: CopyWriter, present: number, a: Omit<IdCall, 'out'>): void {
  if (present) id(w, a);
  else w.nil();
  w.tab();
}

function value(w: CopyWriter, mem: Memory, at: number, len: number): void {
  w.raw(mem(at, len));
  w.tab();
}

/** eventTail: session_id or NULL, event_type, channel, properties, occurred_at. */
export function eventTail(w: CopyWriter, mem: Memory, a: Omit<EventTailCall, 'out'>): void {
  idOrNull(w, a.session, a);
  value(w, mem, a.type, a.typeLen);
  value(w, mem, a.channel, a.channelLen);
  value(w, mem, a.props, a.propsLen);
  w.timestamp(a.t);
  w.nl();
}

/** event: nothing (false) when the user's reference is not cached, else event_id, the reference and eventTail. */
export function event(w: CopyWriter, mem: Memory, cache: EncodedCache, a: Omit<EventCall, 'out'>): boolean {
  const start = w.pos;
  w.int(a.id);
  w.tab();
  if (Number.isNaN(cache.copyTo(w, a.user))) {
    w.pos = start;
    return false;
  }
  eventTail(w, mem, a);
  return true;
}

/** session: the prefix, bot_id, channel, intent, memory_type, title or NULL, message_count, two timestamps. */
export function session(w: CopyWriter, mem: Memory, a: Omit<SessionCall, 'out'>): void {
  w.raw(mem(a.prefix, a.prefixLen));
  w.int(a.bot);
  w.tab();
  value(w, mem, a.channel, a.channelLen);
  value(w, mem, a.intent, a.intentLen);
  value(w, mem, a.memoryType, a.memoryTypeLen);
  if (a.title) w.raw(mem(a.title, a.titleLen));
  else w.nil();
  w.tab();
  w.int(a.messages);
  w.tab();
  w.timestamp(a.start);
  w.tab();
  w.timestamp(a.end);
  w.nl();
}

/** taskTail: session_id or NULL, six values, progress, created_at, updated_at, completed_at (updated_at or NULL). */
export function taskTail(w: CopyWriter, mem: Memory, a: Omit<TaskTailCall, 'out'>): void {
  idOrNull(w, a.session, a);
  value(w, mem, a.title, a.titleLen);
  value(w, mem, a.status, a.statusLen);
  value(w, mem, a.priority, a.priorityLen);
  value(w, mem, a.mode, a.modeLen);
  value(w, mem, a.risk, a.riskLen);
  value(w, mem, a.intent, a.intentLen);
  w.int(a.progress);
  w.tab();
  w.timestamp(a.created);
  w.tab();
  w.timestamp(a.updated);
  w.tab();
  if (a.completed) w.timestamp(a.updated);
  else w.nil();
  w.nl();
}

/** What a session's message loop draws from: the context's distributions, pools and encoded values. */
export interface MessageModel {
  userThink: LogNormal;
  assistantLatency: LogNormal;
  userType: Categorical;
  assistantType: Categorical;
  pools: { user: Entry[]; assistant: Entry[]; tool: Entry[]; system: Entry[]; summary: Entry[] };
  /** Encoded message_role and message_type values, by code. */
  roles: Buffer[];
  messageTypes: Buffer[];
}

interface Entry {
  bytes: Buffer;
  tokens: number;
}

/** The loop's state, as the kernel keeps it between calls. */
export interface LoopState {
  rng: Rng;
  crng: Rng;
  next: number;
  prevRole: number;
  seq: number;
  clock: number;
}

/** The arguments of `messages` other than addresses, with the prefix and provider as bytes. */
export interface MessagesArgs {
  prefix: Buffer;
  chunk: number;
  mixed: number;
  key: number;
  count: number;
  /** 0: no system prompt, else 1 + its system pool entry. */
  system: number;
  write: boolean;
  /** llm_provider, or undefined for NULL. */
  provider: Buffer | undefined;
  lastMs: number;
}

/**
 * messages: the session's rows from `st.next` until `count`, stopping after the row that
 * takes the output to `fullAt` bytes; `st` is left where the loop stopped. Every row goes
 * the long way (role, type, content and tokens each written), where the kernel copies a
 * text message's pre-encoded segment.
 */
export function messages(w: CopyWriter, m: MessageModel, a: MessagesArgs, st: LoopState, fullAt: number): void {
  const C = CONVERSATION;
  while (st.next < a.count) {
    const prev = st.prevRole;
    let role: number;
    if (st.next === 0 && a.system) role = ROLE.system;
    else if (prev === ROLE.user && st.rng.next() < C.toolTurnShare) role = ROLE.tool;
    else if (prev === ROLE.user || prev === ROLE.tool) role = ROLE.assistant;
    else {
      const r = st.rng.next();
      role = r < C.episodicBelow ? ROLE.episodic : r < C.compactBelow ? ROLE.compact : ROLE.user;
    }
    if (st.next > 0) {
      if (prev === ROLE.assistant) st.clock += m.userThink.at(st.rng.next());
      else if (prev === ROLE.tool) st.clock += C.toolGapMinMs + st.rng.next() * C.toolGapSpanMs;
      else st.clock += m.assistantLatency.at(st.rng.next());
    }
    st.prevRole = role;
    if (st.clock > a.lastMs) st.clock = a.lastMs;
    if (a.write) {
      const pool = role === ROLE.user ? m.pools.user : role === ROLE.assistant ? m.pools.assistant : role === ROLE.episodic || role === ROLE.compact ? m.pools.summary : role === ROLE.tool ? m.pools.tool : m.pools.system;
      const entry = role === ROLE.system ? pool[a.system - 1] : pool[Math.floor(st.crng.next() * pool.length)];
      const type = (role === ROLE.user ? m.userType : m.assistantType).pick(st.crng.next());
      const read = !(role === ROLE.assistant && st.crng.next() < C.unreadShare);
      w.raw(a.prefix);
      id(w, { hi: a.chunk, lo: st.seq, mixed: a.mixed, key: a.key });
      w.tab();
      w.int(st.next);
      w.tab();
      w.raw(m.roles[role]);
      w.tab();
      w.raw(m.messageTypes[type]);
      w.tab();
      w.raw(entry.bytes);
      w.tab();
      w.int(entry.tokens);
      w.tab();
      if (a.provider && (role === ROLE.assistant || role === ROLE.tool)) w.raw(a.provider);
      else w.nil();
      w.tab();
      w.bool(read);
      w.tab();
      w.timestamp(st.clock);
      w.nl();
    }
    st.seq = (st.seq + 1) >>> 0;
    st.next++;
    if (w.pos >= fullAt) break;
  }
}
