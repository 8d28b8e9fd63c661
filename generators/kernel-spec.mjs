/**
 * The row kernel's shared layout, written once. Everything both sides of the kernel read
 * is here: the AssemblyScript kernel (generators/wasm/row-kernel.ts) and the TypeScript
 * host (generators/kernel-host.ts and the generators that call it). `npm run build:wasm`
 * turns this file into generators/wasm/layout.ts (AssemblyScript constants) and
 * generators/kernel-layout.ts (TypeScript constants and the typed calls of every export),
 * then compiles the kernel. Both generated files are committed; a unit test regenerates
 * them in memory and fails when the committed ones differ, so edit this file, never them.
 *
 * Data only (no logic beyond arithmetic), so it reads as the reference of the layout.
 */

/**
 * Lookup tables init() builds at the start of the kernel's memory, in this order; the
 * arena (the host's tables and pre-encoded text) starts past them at DATA_START, rounded
 * up to `dataAlign` bytes.
 */
export const MEMORY = {
  tables: [
    { name: 'hex4', bytes: 65536 * 4, doc: 'hex digits of every 16-bit value as one little-endian word' },
    { name: 'dig2', bytes: 256, doc: '`00`..`99`, two bytes each (200 used)' },
    { name: 'sec', bytes: 256, doc: '`:SS.` per second, one word each (240 used)' },
    { name: 'milli', bytes: 4000, doc: '`mmm+` per millisecond, one word each' },
  ],
  dataAlign: 4096,
};

/**
 * A scratch area (one per conversations generator): the session prefix the kernel copies
 * into every message row (session_id, tenant_id, user_id: two UUIDs and a tenant id, under
 * 100 bytes) in the first `prefixBytes`, then the message loop's state (LOOP_STATE).
 */
export const SCRATCH = { bytes: 256, prefixBytes: 128 };

/**
 * The message loop's state, from a scratch area's `prefixBytes`: fields in this order,
 * each at its natural alignment. The host writes it before `messages` and reads it after.
 * Types: `i32x4` (an sfc32 state, rng.ts saveTo/loadFrom), `u32`, `f64`.
 */
export const LOOP_STATE = [
  { name: 'rng', type: 'i32x4', doc: 'the session stream: roles and gaps' },
  { name: 'crng', type: 'i32x4', doc: 'the content stream: pool entries, message types, read flags' },
  { name: 'next', type: 'u32', doc: "the next message's index in the session" },
  { name: 'prevRole', type: 'u32', doc: 'the role code of the message before it (0 before the first)' },
  { name: 'seq', type: 'u32', doc: "the chunk's message sequence number (the low word of message ids)" },
  { name: 'clock', type: 'f64', doc: "the last message's time, epoch ms" },
];

/**
 * Byte strings the kernel copies from the arena, by index: two words, the address of an
 * int32 array of where each starts and of one of how long each is (kernel-host.ts ArenaTable).
 */
export const TEXT_TABLE = ['at', 'len'];

/** A message pool (pools.ts) in the message tables: its entry count, then addresses of int32 arrays. */
export const POOL = ['count', 'at', 'len', 'tokens'];

/** The message pools in the message tables, in this order (the role that draws from each; episodic and compact turns draw summaries). */
export const POOLS = ['user', 'assistant', 'tool', 'system', 'summary'];

/**
 * The message loop's tables (context.ts builds them in the arena), one after another as
 * int32 words: `words` each (1 when not given), `of` says what a multi-word entry holds.
 */
export const MESSAGE_TABLES = [
  { name: 'userThink', doc: 'address of USER_THINK.q: f64[LOGNORMAL.cells + 1]' },
  { name: 'assistantLatency', doc: 'address of ASSISTANT_LATENCY.q: f64[LOGNORMAL.cells + 1]' },
  { name: 'userTypeCdf', doc: "address of the user messages' type distribution: f64 cdf" },
  { name: 'userTypeCodes', doc: 'address of its codes: i32[]' },
  { name: 'assistantTypeCdf', doc: "address of the assistant messages' type distribution: f64 cdf" },
  { name: 'assistantTypeCodes', doc: 'address of its codes: i32[]' },
  { name: 'pools', of: 'pools', doc: 'the message pools, POOLS order, POOL each' },
  { name: 'userSegments', of: 'text', doc: 'per user pool entry, `role\\ttype\\tcontent\\ttokens\\t` of a text message' },
  { name: 'assistantSegments', of: 'text', doc: 'the same per assistant pool entry' },
  { name: 'roles', of: 'text', doc: 'message_role values by code' },
  { name: 'messageTypes', of: 'text', doc: 'message_type values by code' },
];

/** A user-cache slot (encoded-cache.ts): int32 header words in this order, then the value's bytes, `slotBytes` in all (one cache line). */
export const CACHE_SLOT = { header: ['key', 'value', 'length'], slotBytes: 64 };

/** message_role codes (the platform's SMALLINT codes; enums.ts takes its names from here). */
export const ROLES = { user: 1, assistant: 2, system: 3, tool: 4, episodic: 9, compact: 10 };

/** The message_type code of a plain text message (enums.ts: index of 'text'). */
export const MESSAGE_TYPE_TEXT = 0;

/**
 * Log-normal quantile tables (distributions.ts LogNormal): `cells` cells, the `tail`
 * outermost at each end computed exactly. `tables`: the `which` argument of the kernel's
 * lognormalTail import.
 */
export const LOGNORMAL = { cells: 2048, tail: 16, tables: { userThink: 0, assistantLatency: 1 } };

/**
 * The conversation model: how one turn follows another. The loop draws from the session
 * stream: after a user turn, a tool call with probability `toolTurnShare`, else the
 * assistant; after a tool call, the assistant; otherwise a draw r gives an episodic turn
 * when r < episodicBelow, a compaction when r < compactBelow, else the user. The gap
 * before a tool turn's successor is uniform in [toolGapMinMs, toolGapMinMs +
 * toolGapSpanMs); an assistant message is unread with probability `unreadShare` (a draw
 * from the content stream).
 */
export const CONVERSATION = {
  toolTurnShare: 0.06,
  episodicBelow: 0.003,
  compactBelow: 0.005,
  toolGapMinMs: 500,
  toolGapSpanMs: 2500,
  unreadShare: 0.03,
};

/**
 * The kernel's exports and their parameters, in order: the TypeScript side calls each
 * with one object of named fields (kernel-layout.ts), so two arguments cannot be swapped.
 * A unit test checks row-kernel.ts declares exactly these names in this order. Types:
 * `u32` (an address, a length, a count or a flag) or `f64` (epoch ms).
 */
export const EXPORTS = {
  id: {
    doc: 'the id of row (hi, lo) as a UUID',
    params: [
      ['out', 'u32', 'where to write'],
      ['hi', 'u32', 'the row: high word (a chunk)'],
      ['lo', 'u32', 'the row: low word (an index)'],
      ['mixed', 'u32', "the table's key mixed with the seed (identity.ts idKey)"],
      ['key', 'u32', "the table's key (identity.ts KEY)"],
    ],
  },
  eventTail: {
    doc: 'analytics_events from its session_id to the end of the row',
    params: [
      ['out', 'u32', 'where to write'],
      ['session', 'u32', '1: the session (hi, lo) is written, 0: NULL'],
      ['hi', 'u32', "the session's chunk"],
      ['lo', 'u32', "the session's index"],
      ['mixed', 'u32', 'idKey of the sessions'],
      ['key', 'u32', 'KEY.session'],
      ['type', 'u32', 'event_type: address'],
      ['typeLen', 'u32', 'event_type: length'],
      ['channel', 'u32', 'channel: address'],
      ['channelLen', 'u32', 'channel: length'],
      ['props', 'u32', 'properties: address'],
      ['propsLen', 'u32', 'properties: length'],
      ['t', 'f64', 'occurred_at, epoch ms'],
    ],
  },
  session: {
    doc: 'a whole user_sessions row',
    params: [
      ['out', 'u32', 'where to write'],
      ['prefix', 'u32', 'session_id, tenant_id, user_id and their tabs: address'],
      ['prefixLen', 'u32', 'the prefix: length'],
      ['bot', 'u32', 'bot_id'],
      ['channel', 'u32', 'channel: address'],
      ['channelLen', 'u32', 'channel: length'],
      ['intent', 'u32', 'intent: address'],
      ['intentLen', 'u32', 'intent: length'],
      ['memoryType', 'u32', 'memory_type: address'],
      ['memoryTypeLen', 'u32', 'memory_type: length'],
      ['title', 'u32', 'title: address, 0 for NULL'],
      ['titleLen', 'u32', 'title: length'],
      ['messages', 'u32', 'message_count'],
      ['start', 'f64', 'started_at, epoch ms'],
      ['end', 'f64', 'last_active_at, epoch ms'],
    ],
  },
  event: {
    doc: "a whole analytics_events row when its user's reference is in the user cache, else 0 and nothing written",
    params: [
      ['out', 'u32', 'where to write'],
      ['id', 'u32', 'event_id'],
      ['cache', 'u32', "the user cache's address (EncodedCache.address)"],
      ['cacheMask', 'u32', 'slots - 1'],
      ['cacheStride', 'u32', 'bytes from one slot to the next'],
      ['user', 'u32', 'the user (the cache key)'],
      ['session', 'u32', '1: the session (hi, lo) is written, 0: NULL'],
      ['hi', 'u32', "the session's chunk"],
      ['lo', 'u32', "the session's index"],
      ['mixed', 'u32', 'idKey of the sessions'],
      ['key', 'u32', 'KEY.session'],
      ['type', 'u32', 'event_type: address'],
      ['typeLen', 'u32', 'event_type: length'],
      ['channel', 'u32', 'channel: address'],
      ['channelLen', 'u32', 'channel: length'],
      ['props', 'u32', 'properties: address'],
      ['propsLen', 'u32', 'properties: length'],
      ['t', 'f64', 'occurred_at, epoch ms'],
    ],
  },
  taskTail: {
    doc: 'auto_tasks from its session_id to the end of the row',
    params: [
      ['out', 'u32', 'where to write'],
      ['session', 'u32', '1: the session (hi, lo) is written, 0: NULL'],
      ['hi', 'u32', "the session's chunk"],
      ['lo', 'u32', "the session's index"],
      ['mixed', 'u32', 'idKey of the sessions'],
      ['key', 'u32', 'KEY.session'],
      ['title', 'u32', 'title: address'],
      ['titleLen', 'u32', 'title: length'],
      ['status', 'u32', 'status: address'],
      ['statusLen', 'u32', 'status: length'],
      ['priority', 'u32', 'priority: address'],
      ['priorityLen', 'u32', 'priority: length'],
      ['mode', 'u32', 'execution_mode: address'],
      ['modeLen', 'u32', 'execution_mode: length'],
      ['risk', 'u32', 'risk_level: address'],
      ['riskLen', 'u32', 'risk_level: length'],
      ['intent', 'u32', 'intent: address'],
      ['intentLen', 'u32', 'intent: length'],
      ['progress', 'u32', 'progress'],
      ['created', 'f64', 'created_at, epoch ms'],
      ['updated', 'f64', 'updated_at, epoch ms'],
      ['completed', 'u32', '1: completed_at is updated_at, 0: NULL'],
    ],
  },
  messages: {
    doc: "a session's message rows from the loop state's `next` until done or the output passes `full`",
    params: [
      ['out', 'u32', 'where to write'],
      ['full', 'u32', 'stop after the row that passes this address'],
      ['state', 'u32', "the loop state's address (LOOP_STATE)"],
      ['tables', 'u32', "the message tables' address (MESSAGE_TABLES)"],
      ['prefix', 'u32', 'session_id, tenant_id, user_id and their tabs: address'],
      ['prefixLen', 'u32', 'the prefix: length'],
      ['chunk', 'u32', "the chunk: the message ids' high word"],
      ['mixed', 'u32', 'idKey of the messages'],
      ['key', 'u32', 'KEY.message'],
      ['count', 'u32', "the session's message count"],
      ['system', 'u32', "0: no system prompt; else the first message is one: 1 + its system pool entry (the bot's prompt)"],
      ['write', 'u32', '1: write rows, 0: only draw (user_sessions alone)'],
      ['provider', 'u32', "llm_provider of the session's bot: address"],
      ['providerLen', 'u32', 'llm_provider: length'],
      ['lastMs', 'f64', 'no message later than this, epoch ms'],
    ],
  },
};
