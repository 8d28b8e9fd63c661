/**
 * What every table generator shares: counts, pools, the enum encoding of the chosen
 * style, traffic clocks, and the identity functions that let one table point at another's
 * rows (a session's user, a user's tenant) without any shared state: each is a pure
 * function of the seed and an index.
 */
import { TrafficClock, monthStartMs, SPAN_START_MS } from './calendar.ts';
import { Categorical, LogNormal, Zipf } from './distributions.ts';
import { type EnumDomain, type EnumStyle, ENUMS, names } from './enums.ts';
import { type Chunk, type Counts, type DataParams, chunkPlan, deriveCounts } from './plan.ts';
import { type Pools, poolsFor } from './pools.ts';
import type { CopyWriter } from './copytext.ts';
import { EncodedCache } from './encoded-cache.ts';
import { type ArenaLayout, ArenaSizer, type ArenaTable, RowKernel } from './kernel-host.ts';
import { CACHE_SLOT_BYTES, CACHE_HEADER_BYTES, LOGNORMAL_TABLE, MESSAGE_TABLES, MESSAGE_TYPE_TEXT, MESSAGE_TABLE_WORDS, POOL, POOLS, POOL_WORDS, ROLE, TEXT_TABLE } from './kernel-layout.ts';
import { OUTPUT_BUFFER_BYTES } from './copytext.ts';
import { hash01, type Pair } from './rng.ts';
import { KEY, SKEW, safeSessions, tenantOfUser, writeId } from './identity.ts';

export { KEY, SKEW, MAX_MESSAGES_PER_SESSION, idFor, idKey, safeSessions, tenantOfUser, userOfSession, writeId, type Id } from './identity.ts';

const TAB = Buffer.from('\t');

export interface GenContext {
  params: DataParams;
  counts: Counts;
  style: EnumStyle;
  pools: Pools;
  /** Encoded value of each enum code for the chosen style (digits or the name). */
  enumBytes: Record<EnumDomain, Buffer[]>;
  /** Conversation chunks (for tables that reference sessions). */
  conversationChunks: Chunk[];
  /** Per month: [first, last] index into conversationChunks (-1 when the month has none). */
  monthChunks: Array<[number, number]>;
  /** Popularity of users (by index) and tenants (by id - 1). */
  userZipf: Zipf;
  tenantZipf: Zipf;
  /** `tenant_id\tuser_id\t` of the most popular users, encoded once (see writeUserRef). */
  userRefs: EncodedCache;
  /** The traffic clock of month m (built once per month and kept). */
  monthClock(m: number): TrafficClock;
  /** Month clocks built so far (monthClock's cache). */
  readonly clocks: Map<number, TrafficClock>;
  spanClock: TrafficClock;
  spanEndMs: number;
  /** Address of the tables the kernel's message loop reads (kernel-layout.ts MESSAGE_TABLES). */
  messageTables: number;
  /** Writes the message and event rows' bytes (generators/kernel-host.ts), from `arena`. */
  kernel: RowKernel;
  /**
   * Where the kernel finds each pre-encoded value, by the same index as in the JS arrays;
   * segments: per pool entry, `role\ttype\tcontent\ttokens\t` of a text message.
   */
  arena: {
    userSegments: ArenaTable;
    assistantSegments: ArenaTable;
    provider: ArenaTable;
    eventType: ArenaTable;
    channel: ArenaTable;
    intent: ArenaTable;
    memoryType: ArenaTable;
    titles: ArenaTable;
    eventProperties: ArenaTable;
    taskTitles: ArenaTable;
    taskStatus: ArenaTable;
    taskPriority: ArenaTable;
    executionMode: ArenaTable;
    riskLevel: ArenaTable;
  };
}

/**
 * Output slots of a context's row kernel. Writers over them must always get one, so
 * KERNEL_WRITERS are kept for them (two per job at most: 128 jobs); once KERNEL_HELD
 * slots are out (writers' and readers' together), writers hand over copies. A load keeps 10 out with 2 jobs and 34 with 8
 * (measured, 3m), so copies start past ~30 jobs; a reader that never hands slots back
 * (a test) holds at most KERNEL_HELD. The memory is reserved, not resident: only slots
 * that were used count in RSS.
 */
const KERNEL_WRITERS = 256;
const KERNEL_HELD = 128;

/** Time an assistant takes to answer (median 4 s) and a user to write back (median 45 s), in ms. */
export const ASSISTANT_LATENCY = new LogNormal(Math.log(4_000), 0.7);
export const USER_THINK = new LogNormal(Math.log(45_000), 1.1);

/** The kernel's message loop computes a log-normal draw in the tables' tails here (the same Math.exp as the JS). */
function lognormalTail(which: number, u: number): number {
  return which === LOGNORMAL_TABLE.userThink ? USER_THINK.exact(u) : ASSISTANT_LATENCY.exact(u);
}

/**
 * The tables of the kernel's message loop (kernel-layout.ts MESSAGE_TABLES), each word
 * put by name. The arena is filled in the order of the calls here, which the sizing pass
 * repeats: the words' order is the layout's.
 */
function messageTables(kernel: ArenaLayout, pools: Pools, enumBytes: Record<EnumDomain, Buffer[]>, segments: { user: ArenaTable; assistant: ArenaTable }): number {
  const words = new Int32Array(MESSAGE_TABLE_WORDS);
  const T = MESSAGE_TABLES;
  words[T.userThink] = kernel.putArray(USER_THINK.q);
  words[T.assistantLatency] = kernel.putArray(ASSISTANT_LATENCY.q);
  words[T.userTypeCdf] = kernel.putArray(DIST.userMessageType.cdf);
  words[T.userTypeCodes] = kernel.putArray(Int32Array.from(DIST.userMessageType.codes));
  words[T.assistantTypeCdf] = kernel.putArray(DIST.assistantMessageType.cdf);
  words[T.assistantTypeCodes] = kernel.putArray(Int32Array.from(DIST.assistantMessageType.codes));
  const byPool = { user: pools.userMessages, assistant: pools.assistantMessages, tool: pools.toolMessages, system: pools.systemMessages, summary: pools.summaryMessages } as const;
  for (const name of ['user', 'assistant', 'tool', 'system', 'summary'] as const) {
    const pool = byPool[name];
    const at = T.pools + POOLS[name] * POOL_WORDS;
    const bytes = kernel.put(pool.map((e) => e.bytes));
    words[at + POOL.count] = pool.length;
    words[at + POOL.at] = kernel.putArray(bytes.at);
    words[at + POOL.len] = kernel.putArray(bytes.len);
    words[at + POOL.tokens] = kernel.putArray(Int32Array.from(pool, (e) => e.tokens));
  }
  const byCode = (domain: EnumDomain) => kernel.put(dense(enumBytes[domain]));
  const text = (at: number, table: ArenaTable) => {
    words[at + TEXT_TABLE.at] = kernel.putArray(table.at);
    words[at + TEXT_TABLE.len] = kernel.putArray(table.len);
  };
  const roles = byCode('message_role');
  const messageTypes = byCode('message_type');
  text(T.userSegments, segments.user);
  text(T.assistantSegments, segments.assistant);
  text(T.roles, roles);
  text(T.messageTypes, messageTypes);
  return kernel.putArray(words);
}

/** An enum's bytes by code with the unused codes as empty values (the arrays have holes). */
function dense(bytes: Buffer[]): Buffer[] {
  return Array.from(bytes, (b) => b ?? EMPTY);
}

const EMPTY = Buffer.alloc(0);

// The user cache (ctx.userRefs), in the kernel's memory: the event rows read it there.
// Slots of CACHE_SLOT_BYTES (one cache line), header included.
const USER_CACHE_SLOTS_LOG2 = 16;
const USER_CACHE_VALUE_BYTES = CACHE_SLOT_BYTES - CACHE_HEADER_BYTES;
const USER_CACHE_BYTES = (1 << USER_CACHE_SLOTS_LOG2) * CACHE_SLOT_BYTES;

/** What a context keeps in its kernel's arena; the same calls measure it and then fill it. */
function layArena(a: ArenaLayout, pools: Pools, enumBytes: Record<EnumDomain, Buffer[]>, segments: { user: Buffer[]; assistant: Buffer[] }) {
  const userSegments = a.put(segments.user);
  const assistantSegments = a.put(segments.assistant);
  const bytesOf = (entries: Array<{ bytes: Buffer }>) => entries.map((e) => e.bytes);
  return {
    arena: {
      userSegments,
      assistantSegments,
      provider: a.put(enumBytes.llm_provider),
      eventType: a.put(EVENT_TYPES.map((t) => Buffer.from(t))),
      channel: a.put(enumBytes.channel),
      intent: a.put(enumBytes.intent),
      memoryType: a.put(enumBytes.memory_type),
      titles: a.put(bytesOf(pools.titles)),
      eventProperties: a.put(bytesOf(pools.eventProperties)),
      taskTitles: a.put(bytesOf(pools.taskTitles)),
      taskStatus: a.put(enumBytes.task_status),
      taskPriority: a.put(enumBytes.task_priority),
      executionMode: a.put(enumBytes.execution_mode),
      riskLevel: a.put(enumBytes.risk_level),
    },
    messageTables: messageTables(a, pools, enumBytes, { user: userSegments, assistant: assistantSegments }),
    userCache: a.alloc(USER_CACHE_BYTES),
  };
}

/** Build the shared context once per (params, style). */
export function makeContext(params: DataParams, style: EnumStyle): GenContext {
  const enumBytes = {} as Record<EnumDomain, Buffer[]>;
  for (const domain of Object.keys(ENUMS) as EnumDomain[]) {
    enumBytes[domain] = names(domain).map((name, code) => Buffer.from(style === 'smallint' ? String(code) : (name ?? ''), 'utf8'));
  }
  const spanEndMs = monthStartMs(params.months);
  const counts = deriveCounts(params);
  const conversationChunks = chunkPlan(params).filter((c) => c.group === 'conversations');
  const monthChunks = Array.from({ length: params.months }, (): [number, number] => [-1, -1]);
  conversationChunks.forEach((c, idx) => {
    const span = monthChunks[c.month];
    if (span[0] < 0) span[0] = idx;
    span[1] = idx;
  });
  const pools = poolsFor(params.seed);
  // Per pool entry, `role\ttype\tcontent\ttokens\t` of a text message, encoded once.
  const segment = (role: number, e: { bytes: Buffer; tokens: number }) =>
    Buffer.concat([enumBytes.message_role[role], TAB, enumBytes.message_type[MESSAGE_TYPE_TEXT], TAB, e.bytes, TAB, Buffer.from(String(e.tokens)), TAB]);
  const segments = { user: pools.userMessages.map((e) => segment(ROLE.user, e)), assistant: pools.assistantMessages.map((e) => segment(ROLE.assistant, e)) };
  const sizer = new ArenaSizer();
  layArena(sizer, pools, enumBytes, segments);
  const kernel = new RowKernel(sizer.bytes, OUTPUT_BUFFER_BYTES, KERNEL_WRITERS + KERNEL_HELD, KERNEL_WRITERS, lognormalTail);
  const { arena, messageTables: tables, userCache } = layArena(kernel, pools, enumBytes, segments);
  return {
    params,
    counts,
    style,
    pools,
    enumBytes,
    conversationChunks,
    monthChunks,
    userZipf: new Zipf(counts.users, SKEW.users),
    tenantZipf: new Zipf(counts.tenants, SKEW.tenants),
    // 2^16 slots of 64 bytes (a 4 MiB arena): at 100m the 65,536 busiest of 2.5 M users are ~80 % of references.
    userRefs: new EncodedCache(USER_CACHE_SLOTS_LOG2, USER_CACHE_VALUE_BYTES, (bytes) => kernel.view(userCache, bytes)),
    monthClock,
    clocks: new Map(),
    spanClock: new TrafficClock(SPAN_START_MS, spanEndMs),
    spanEndMs,
    messageTables: tables,
    kernel,
    arena,
  };
}

/**
 * GenContext.monthClock: one function shared by every context, not a closure per
 * context. Optimised row loops inline the function they call, and code that inlined the
 * last context's closure was dropped once that context was collected, so each further
 * load in one process compiled the row loops again (node --trace-opt shows it: bench:load's
 * rounds and `run`'s four enum-style data sets each paid TurboFan again).
 */
function monthClock(this: GenContext, m: number): TrafficClock {
  let c = this.clocks.get(m);
  if (!c) {
    c = new TrafficClock(monthStartMs(m), monthStartMs(m + 1));
    this.clocks.set(m, c);
  }
  return c;
}

/**
 * Write `tenant_id\tuser_id\t` of user u (the column pair every table that points at a
 * user starts with) and return the tenant: from ctx.userRefs for popular users.
 */
export function writeUserRef(ctx: GenContext, w: CopyWriter, u: number): number {
  const cached = ctx.userRefs.copyTo(w, u);
  if (cached === cached) return cached;
  const start = w.pos;
  const tenant = tenantOfUser(ctx, u);
  w.int(tenant);
  w.tab();
  writeId(w, ctx.params.seed, KEY.user, 0, u);
  w.tab();
  ctx.userRefs.store(w, u, start, tenant);
  return tenant;
}

/** A session that exists for time t (a conversation chunk of that month), for tasks and events to point at: out.hi = chunk, out.lo = session. */
export function sessionNear(ctx: GenContext, t: number, u: number, out: Pair): Pair {
  // Month of t: months are few, walk from the estimate (30.44 days a month).
  let m = Math.min(ctx.params.months - 1, Math.max(0, Math.floor((t - SPAN_START_MS) / 2_629_746_000)));
  while (m > 0 && monthStartMs(m) > t) m--;
  while (m + 1 < ctx.params.months && monthStartMs(m + 1) <= t) m++;
  // A month without conversations (tiny scales): fall back to the nearest earlier one, else the first.
  let span = ctx.monthChunks[m];
  for (let back = m; span[0] < 0 && back > 0; ) span = ctx.monthChunks[--back];
  if (span[0] < 0) span = [0, 0];
  const c = ctx.conversationChunks[span[0] + Math.floor(u * (span[1] - span[0] + 1))];
  out.hi = c.k;
  out.lo = Math.floor(((u * 7919) % 1) * safeSessions(c));
  return out;
}

/** Categorical distributions that look like real traffic (the platform's codes: enums.ts, docs/design.md). */
export const DIST = {
  channel: new Categorical({ 0: 35, 1: 25, 2: 8, 3: 8, 4: 7, 5: 4, 6: 3, 7: 2, 8: 3, 9: 5 }),
  intent: new Categorical({ 0: 40, 1: 3, 2: 8, 3: 4, 4: 8, 5: 5, 6: 4, 7: 3, 8: 25 }),
  memoryType: new Categorical({ 0: 70, 1: 15, 2: 8, 3: 5, 4: 2 }),
  userMessageType: new Categorical({ 0: 93, 1: 2.5, 2: 1.5, 3: 0.5, 4: 1, 5: 0.3, 6: 0.2, 7: 0.5, 8: 0.5 }),
  assistantMessageType: new Categorical({ 0: 98.5, 1: 0.8, 4: 0.7 }),
  provider: new Categorical({ 0: 40, 1: 25, 2: 10, 3: 5, 4: 8, 5: 2, 6: 3, 7: 3, 8: 2, 9: 2 }),
  taskStatus: new Categorical({ 0: 5, 1: 3, 2: 4, 3: 2, 4: 6, 5: 70, 6: 5, 7: 5 }),
  taskPriority: new Categorical({ 0: 20, 1: 55, 2: 18, 3: 5, 4: 2 }),
  executionMode: new Categorical({ 0: 25, 1: 55, 2: 20 }),
  riskLevel: new Categorical({ 0: 40, 1: 30, 2: 18, 3: 9, 4: 3 }),
  taskIntent: new Categorical({ 1: 6, 2: 30, 3: 12, 4: 20, 5: 15, 6: 8, 7: 9 }),
  approvalDecision: new Categorical({ 1: 80, 2: 10, 3: 7, 4: 3 }),
  syncStatus: new Categorical({ 0: 95, 1: 3, 2: 1, 3: 0.7, 4: 0.3 }),
  eventType: new Categorical({ 0: 30, 1: 30, 2: 10, 3: 9, 4: 8, 5: 4, 6: 3, 7: 2, 8: 2, 9: 2 }),
} as const;

export const EVENT_TYPES = [
  'message_sent',
  'message_received',
  'session_started',
  'session_ended',
  'bot_invoked',
  'task_created',
  'task_completed',
  'approval_requested',
  'feedback_given',
  'error',
] as const;

/** The system prompt of bot b (1-based id), an index into pools.systemMessages: shared by bots and messages, so a bot's sessions repeat its prompt. */
export function systemPromptOfBot(ctx: GenContext, bot: number): number {
  return Math.floor(hash01(ctx.params.seed, KEY.botPrompt, bot) * ctx.pools.systemMessages.length);
}

/** The LLM provider of bot b (1-based id): a pure function, shared by bots and messages. */
export function providerOfBot(ctx: GenContext, bot: number): number {
  return DIST.provider.pick(hash01(ctx.params.seed, KEY.botProvider, bot));
}
