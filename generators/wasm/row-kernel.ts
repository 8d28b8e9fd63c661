/**
 * The row loops' hot part in WebAssembly (AssemblyScript, compiled to row-kernel.wasm by
 * `npm run build:wasm`; a unit test checks the committed binary is this source's). Rows
 * are written into the output buffers that live in the same memory (generators/kernel-host.ts):
 * UUIDs from a keyed Feistel permutation, timestamptz, small integers and copies of
 * pre-encoded text. The JS generators make every draw and decision except a session's
 * message loop, which runs here whole (`messages`). Each function writes from address p
 * and returns the address after what it wrote. Output is byte-identical to what the JS
 * writer (generators/copytext.ts) wrote before, which the digest test pins.
 *
 * Every layout the host shares (memory tables, loop state, message tables, cache slots,
 * role codes, the conversation model) comes from ./layout.ts, generated from
 * generators/kernel-spec.mjs; so do the exports' parameter names and order.
 */
import {
  ARENA_START,
  CACHE_BYTES,
  CACHE_KEY,
  CACHE_LENGTH,
  COMPACT_BELOW,
  DIG2,
  EPISODIC_BELOW,
  HEX4,
  LOGNORMAL_ASSISTANT_LATENCY,
  LOGNORMAL_CELLS,
  LOGNORMAL_TAIL,
  LOGNORMAL_USER_THINK,
  LOOP_CLOCK,
  LOOP_CRNG,
  LOOP_NEXT,
  LOOP_PREV_ROLE,
  LOOP_RNG,
  LOOP_SEQ,
  MESSAGE_TYPE_TEXT,
  MILLI,
  MT_ASSISTANT_LATENCY,
  MT_ASSISTANT_SEGMENTS,
  MT_ASSISTANT_TYPE_CDF,
  MT_ASSISTANT_TYPE_CODES,
  MT_MESSAGE_TYPES,
  MT_POOLS,
  MT_ROLES,
  MT_USER_SEGMENTS,
  MT_USER_THINK,
  MT_USER_TYPE_CDF,
  MT_USER_TYPE_CODES,
  POOL_AT,
  POOL_BYTES,
  POOL_COUNT,
  POOL_LEN,
  POOL_OF_ASSISTANT,
  POOL_OF_SUMMARY,
  POOL_OF_SYSTEM,
  POOL_OF_TOOL,
  POOL_OF_USER,
  POOL_TOKENS,
  ROLE_ASSISTANT,
  ROLE_COMPACT,
  ROLE_EPISODIC,
  ROLE_SYSTEM,
  ROLE_TOOL,
  ROLE_USER,
  SEC,
  TEXT_AT,
  TEXT_LEN,
  TOOL_GAP_MIN_MS,
  TOOL_GAP_SPAN_MS,
  TOOL_TURN_SHARE,
  UNREAD_SHARE,
} from './layout';

/** Where the caller's data starts, past the tables init() builds (the host checks it). */
export const DATA_START: u32 = ARENA_START;

const TAB: u8 = 9;
const NL: u8 = 10;

// `YYYY-MM-DD HH:MM` of the last minute written, as four words.
let lastMinute: i64 = -1;
let minute0: u32 = 0;
let minute1: u32 = 0;
let minute2: u32 = 0;
let minute3: u32 = 0;

@inline function hexDigit(x: u32): u32 {
  return x < 10 ? 48 + x : 87 + x;
}

@inline function digits2(i: u32): u32 {
  return <u32>load<u16>(DIG2 + 2 * i);
}

export function init(): void {
  for (let i: u32 = 0; i < 100; i++) {
    store<u8>(DIG2 + 2 * i, 48 + i / 10);
    store<u8>(DIG2 + 2 * i + 1, 48 + (i % 10));
  }
  for (let i: u32 = 0; i < 65536; i++) {
    store<u32>(HEX4 + 4 * i, hexDigit(i >> 12) | (hexDigit((i >> 8) & 15) << 8) | (hexDigit((i >> 4) & 15) << 16) | (hexDigit(i & 15) << 24));
  }
  for (let i: u32 = 0; i < 60; i++) store<u32>(SEC + 4 * i, 58 | (digits2(i) << 8) | (46 << 24));
  for (let i: u32 = 0; i < 1000; i++) store<u32>(MILLI + 4 * i, (48 + i / 100) | (digits2(i % 100) << 8) | (43 << 24));
  lastMinute = -1;
}

/** murmur3's 32-bit finaliser (rng.ts fmix32). */
@inline function fmix32(h: u32): u32 {
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

@inline function hex16(p: u32, v: u32): void {
  store<u32>(p, load<u32>(HEX4 + (v << 2)));
}

/**
 * The id of row (hi, lo) as a UUID: context.ts writeId. `mixed` is the table's key mixed
 * with the seed (the Feistel key), `key` the table's key itself (the middle words).
 */
export function id(out: u32, hi: u32, lo: u32, mixed: u32, key: u32): u32 {
  const p = out;
  let l = hi;
  let r = lo;
  for (let round: u32 = 0; round < 4; round++) {
    const f = fmix32(r ^ ((mixed + round) * 0x9e3779b1));
    const nl = r;
    r = l ^ f;
    l = nl;
  }
  const b = (fmix32(l ^ (r * 0x85ebca6b) ^ key) & 0xffff0fff) | 0x00004000;
  const c = (fmix32(r ^ (l * 0xc2b2ae35) ^ key) & 0x3fffffff) | 0x80000000;
  hex16(p, l >> 16);
  hex16(p + 4, l & 0xffff);
  store<u8>(p + 8, 45);
  hex16(p + 9, b >> 16);
  store<u8>(p + 13, 45);
  hex16(p + 14, b & 0xffff);
  store<u8>(p + 18, 45);
  hex16(p + 19, c >> 16);
  store<u8>(p + 23, 45);
  hex16(p + 24, c & 0xffff);
  hex16(p + 28, r >> 16);
  hex16(p + 32, r & 0xffff);
  return p + 36;
}

/** A non-negative integer below 2^32. */
@inline function uint(p: u32, n: u32): u32 {
  if (n < 10) {
    store<u8>(p, 48 + n);
    return p + 1;
  }
  const len: u32 = n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
  let q = p + len;
  while (n >= 100) {
    const m = n / 100;
    q -= 2;
    store<u16>(q, <u16>digits2(n - m * 100));
    n = m;
  }
  if (n >= 10) store<u16>(q - 2, <u16>digits2(n));
  else store<u8>(q - 1, 48 + n);
  return p + len;
}

function setMinute(minute: i64): void {
  lastMinute = minute;
  const day = <i32>(minute / 1440);
  // Civil date of a day number (Howard Hinnant's days_from_civil, inverted).
  const z = day + 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const doe = <u32>(z - era * 146097);
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const dd = doy - (153 * mp + 2) / 5 + 1;
  const mm = mp < 10 ? mp + 3 : mp - 9;
  const year = <u32>(<i32>yoe + era * 400 + (mm <= 2 ? 1 : 0));
  minute0 = digits2(year / 100) | (digits2(year % 100) << 16);
  minute1 = 45 | (digits2(mm) << 8) | (45 << 24);
  const inDay = <u32>(minute - <i64>day * 1440);
  const h = digits2(inDay / 60);
  minute2 = digits2(dd) | (32 << 16) | ((h & 255) << 24);
  minute3 = (h >> 8) | (58 << 8) | (digits2(inDay % 60) << 16);
}

/** A timestamptz from epoch milliseconds (≥ 0): `YYYY-MM-DD HH:MM:SS.mmm+00`. */
@inline function timestamp(p: u32, t: f64): u32 {
  const ms = <i64>Math.floor(t);
  const minute = ms / 60000;
  if (minute != lastMinute) setMinute(minute);
  store<u32>(p, minute0);
  store<u32>(p + 4, minute1);
  store<u32>(p + 8, minute2);
  store<u32>(p + 12, minute3);
  const rest = <u32>(ms - minute * 60000);
  const s = rest / 1000;
  store<u32>(p + 16, load<u32>(SEC + 4 * s));
  store<u32>(p + 20, load<u32>(MILLI + 4 * (rest - s * 1000)));
  store<u16>(p + 24, 0x3030);
  return p + 26;
}

/** SQL NULL: `\N`. */
@inline function nil(p: u32): u32 {
  store<u16>(p, 0x4e5c);
  return p + 2;
}

/** The value at `at` (or \N when `at` is 0: the arena starts at DATA_START), then a tab. */
@inline function nullable(p: u32, at: u32, len: u32): u32 {
  if (at) {
    memory.copy(p, at, len);
    p += len;
  } else p = nil(p);
  store<u8>(p, TAB);
  return p + 1;
}

/** The id of row (hi, lo) (or \N when `present` is 0), then a tab. */
@inline function idOrNull(p: u32, present: u32, hi: u32, lo: u32, mixed: u32, key: u32): u32 {
  p = present ? id(p, hi, lo, mixed, key) : nil(p);
  store<u8>(p, TAB);
  return p + 1;
}

/** The value at `at`, then a tab. */
@inline function value(p: u32, at: u32, len: u32): u32 {
  memory.copy(p, at, len);
  store<u8>(p + len, TAB);
  return p + len + 1;
}

/** message_history up to its role: session prefix, message_id, message_index. */
function messageHead(p: u32, pre: u32, preLen: u32, hi: u32, lo: u32, mixed: u32, key: u32, index: u32): u32 {
  memory.copy(p, pre, preLen);
  p = id(p + preLen, hi, lo, mixed, key);
  store<u8>(p, TAB);
  p = uint(p + 1, index);
  store<u8>(p, TAB);
  return p + 1;
}

/** message_history from its role: the encoded middle, llm_provider (\N when at 0), is_read, created_at. */
function messageTail(p: u32, mid: u32, midLen: u32, provider: u32, providerLen: u32, read: u32, t: f64): u32 {
  memory.copy(p, mid, midLen);
  p = nullable(p + midLen, provider, providerLen);
  store<u8>(p, read ? 116 : 102);
  store<u8>(p + 1, TAB);
  p = timestamp(p + 2, t);
  store<u8>(p, NL);
  return p + 1;
}

/**
 * analytics_events from its session_id: the session's id (or \N when `session` is 0),
 * event_type, channel, properties, occurred_at.
 */
export function eventTail(out: u32, session: u32, hi: u32, lo: u32, mixed: u32, key: u32, type: u32, typeLen: u32, channel: u32, channelLen: u32, props: u32, propsLen: u32, t: f64): u32 {
  let p = idOrNull(out, session, hi, lo, mixed, key);
  p = value(p, type, typeLen);
  p = value(p, channel, channelLen);
  p = value(p, props, propsLen);
  p = timestamp(p, t);
  store<u8>(p, NL);
  return p + 1;
}

/**
 * A whole user_sessions row: the session prefix (session_id, tenant_id, user_id), bot_id,
 * channel, intent, memory_type, title (\N when at 0), message_count, started_at,
 * last_active_at.
 */
export function session(out: u32, prefix: u32, prefixLen: u32, bot: u32, channel: u32, channelLen: u32, intent: u32, intentLen: u32, memoryType: u32, memoryTypeLen: u32, title: u32, titleLen: u32, messages: u32, start: f64, end: f64): u32 {
  memory.copy(out, prefix, prefixLen);
  let p = uint(out + prefixLen, bot);
  store<u8>(p, TAB);
  p = value(p + 1, channel, channelLen);
  p = value(p, intent, intentLen);
  p = value(p, memoryType, memoryTypeLen);
  p = nullable(p, title, titleLen);
  p = uint(p, messages);
  store<u8>(p, TAB);
  p = timestamp(p + 1, start);
  store<u8>(p, TAB);
  p = timestamp(p + 1, end);
  store<u8>(p, NL);
  return p + 1;
}

/**
 * A whole analytics_events row when its user's `tenant_id\tuser_id\t` is in the user
 * cache (encoded-cache.ts: slots of key, value, length and bytes at `cache`), else 0 and
 * nothing written: event_id, the cached user reference, then eventTail.
 */
export function event(out: u32, id: u32, cache: u32, cacheMask: u32, cacheStride: u32, user: u32, session: u32, hi: u32, lo: u32, mixed: u32, key: u32, type: u32, typeLen: u32, channel: u32, channelLen: u32, props: u32, propsLen: u32, t: f64): u32 {
  const slot = cache + (user & cacheMask) * cacheStride;
  if (load<u32>(slot + CACHE_KEY) != user) return 0;
  const p = uint(out, id);
  store<u8>(p, TAB);
  const n = load<u32>(slot + CACHE_LENGTH);
  memory.copy(p + 1, slot + CACHE_BYTES, n);
  return eventTail(p + 1 + n, session, hi, lo, mixed, key, type, typeLen, channel, channelLen, props, propsLen, t);
}

/**
 * auto_tasks from its session_id: the session's id (or \N when `session` is 0), title,
 * status, priority, execution_mode, risk_level, intent, progress, created_at, updated_at,
 * completed_at (updated_at when `completed`, else \N).
 */
export function taskTail(out: u32, session: u32, hi: u32, lo: u32, mixed: u32, key: u32, title: u32, titleLen: u32, status: u32, statusLen: u32, priority: u32, priorityLen: u32, mode: u32, modeLen: u32, risk: u32, riskLen: u32, intent: u32, intentLen: u32, progress: u32, created: f64, updated: f64, completed: u32): u32 {
  let p = idOrNull(out, session, hi, lo, mixed, key);
  p = value(p, title, titleLen);
  p = value(p, status, statusLen);
  p = value(p, priority, priorityLen);
  p = value(p, mode, modeLen);
  p = value(p, risk, riskLen);
  p = value(p, intent, intentLen);
  p = uint(p, progress);
  store<u8>(p, TAB);
  p = timestamp(p + 1, created);
  store<u8>(p, TAB);
  p = timestamp(p + 1, updated);
  store<u8>(p, TAB);
  p = completed ? timestamp(p + 1, updated) : nil(p + 1);
  store<u8>(p, NL);
  return p + 1;
}

// ---------------------------------------------------------------------------------------
// A session's message rows, draws included: the loop of conversations.ts run here, on the
// same two random streams (sfc32, rng.ts), with the same tables, so the bytes and the
// streams' states come out exactly as the JS loop left them.

/** The JS side's LogNormal.exact(u) of table `which` (LOGNORMAL_USER_THINK or LOGNORMAL_ASSISTANT_LATENCY): the tails. */
@external("env", "lognormalTail")
declare function lognormalTail(which: u32, u: f64): f64;

@inline function u32Of(st: u32): u32 {
  const a = load<u32>(st);
  const b = load<u32>(st, 4);
  const c = load<u32>(st, 8);
  const d = load<u32>(st, 12);
  const t = a + b + d;
  store<u32>(st, b ^ (b >> 9));
  store<u32>(st, c + (c << 3), 4);
  store<u32>(st, ((c << 21) | (c >> 11)) + t, 8);
  store<u32>(st, d + 1, 12);
  return t;
}

@inline function next(st: u32): f64 {
  return <f64>u32Of(st) / 4294967296.0;
}

@inline function pick(cdf: u32, codes: u32, u: f64): u32 {
  let i: u32 = 0;
  while (u >= load<f64>(cdf + 8 * i)) i++;
  return load<u32>(codes + 4 * i);
}

@inline function lognormal(q: u32, which: u32, u: f64): f64 {
  const x = u * <f64>LOGNORMAL_CELLS;
  const i = <u32>x;
  if (i < LOGNORMAL_TAIL || i >= LOGNORMAL_CELLS - LOGNORMAL_TAIL) return lognormalTail(which, u);
  const lo = load<f64>(q + 8 * i);
  return lo + (x - <f64>i) * (load<f64>(q + 8 * i + 8) - lo);
}

/** The word at byte offset `at` of a table. */
@inline function word(table: u32, at: u32): u32 {
  return load<u32>(table + at);
}

/**
 * Messages [state `next`, count) of a session, until done or the output passes `full`
 * (the row that passes it is written, as CopyWriter.full is checked after each row):
 * returns the address after the last row written; the state says how far it got. Roles
 * follow each other as a chat does (kernel-spec.mjs CONVERSATION: a user turn, sometimes
 * a tool call, then the assistant; the bot's system prompt first, rare episodic and compaction
 * turns), each turn later than the last by a log-normal gap. Roles and gaps come from the
 * session stream, content from the content stream, so with `write` 0 (user_sessions
 * alone: nothing written, content not drawn) the session stream ends exactly where a
 * full load leaves it.
 */
export function messages(out: u32, full: u32, state: u32, tables: u32, prefix: u32, prefixLen: u32, chunk: u32, mixed: u32, key: u32, count: u32, system: u32, write: u32, provider: u32, providerLen: u32, lastMs: f64): u32 {
  const rng = state + LOOP_RNG;
  const crng = state + LOOP_CRNG;
  let p = out;
  let j = load<u32>(state + LOOP_NEXT);
  let prevRole = load<u32>(state + LOOP_PREV_ROLE);
  let seq = load<u32>(state + LOOP_SEQ);
  let t = load<f64>(state + LOOP_CLOCK);
  while (j < count) {
    let role: u32;
    if (j == 0 && system) role = ROLE_SYSTEM;
    else if (prevRole == ROLE_USER && next(rng) < TOOL_TURN_SHARE) role = ROLE_TOOL;
    else if (prevRole == ROLE_USER || prevRole == ROLE_TOOL) role = ROLE_ASSISTANT;
    else {
      const r = next(rng);
      role = r < EPISODIC_BELOW ? ROLE_EPISODIC : r < COMPACT_BELOW ? ROLE_COMPACT : ROLE_USER;
    }
    if (j > 0) {
      if (prevRole == ROLE_ASSISTANT) t += lognormal(word(tables, MT_USER_THINK), LOGNORMAL_USER_THINK, next(rng));
      else if (prevRole == ROLE_TOOL) t += TOOL_GAP_MIN_MS + next(rng) * TOOL_GAP_SPAN_MS;
      else t += lognormal(word(tables, MT_ASSISTANT_LATENCY), LOGNORMAL_ASSISTANT_LATENCY, next(rng));
    }
    prevRole = role;
    if (t > lastMs) t = lastMs;
    if (write) {
      const pool = tables + MT_POOLS + POOL_BYTES * (role == ROLE_USER ? POOL_OF_USER : role == ROLE_ASSISTANT ? POOL_OF_ASSISTANT : role == ROLE_EPISODIC || role == ROLE_COMPACT ? POOL_OF_SUMMARY : role == ROLE_TOOL ? POOL_OF_TOOL : POOL_OF_SYSTEM);
      // A system prompt is the bot's own (the same in every session of the bot): not drawn.
      const entry = role == ROLE_SYSTEM ? system - 1 : <u32>Math.floor(next(crng) * <f64>load<u32>(pool + POOL_COUNT));
      const mtype = role == ROLE_USER ? pick(word(tables, MT_USER_TYPE_CDF), word(tables, MT_USER_TYPE_CODES), next(crng)) : pick(word(tables, MT_ASSISTANT_TYPE_CDF), word(tables, MT_ASSISTANT_TYPE_CODES), next(crng));
      const withProvider = role == ROLE_ASSISTANT || role == ROLE_TOOL;
      const read: u32 = role == ROLE_ASSISTANT && next(crng) < UNREAD_SHARE ? 0 : 1;
      p = messageHead(p, prefix, prefixLen, chunk, seq, mixed, key, j);
      if (mtype == MESSAGE_TYPE_TEXT && (role == ROLE_USER || role == ROLE_ASSISTANT)) {
        const seg = tables + (role == ROLE_USER ? MT_USER_SEGMENTS : MT_ASSISTANT_SEGMENTS);
        p = messageTail(p, load<u32>(word(seg, TEXT_AT) + 4 * entry), load<u32>(word(seg, TEXT_LEN) + 4 * entry), withProvider ? provider : 0, providerLen, read, t);
      } else {
        p = value(p, load<u32>(word(tables, MT_ROLES + TEXT_AT) + 4 * role), load<u32>(word(tables, MT_ROLES + TEXT_LEN) + 4 * role));
        p = value(p, load<u32>(word(tables, MT_MESSAGE_TYPES + TEXT_AT) + 4 * mtype), load<u32>(word(tables, MT_MESSAGE_TYPES + TEXT_LEN) + 4 * mtype));
        p = value(p, load<u32>(word(pool, POOL_AT) + 4 * entry), load<u32>(word(pool, POOL_LEN) + 4 * entry));
        p = uint(p, load<u32>(word(pool, POOL_TOKENS) + 4 * entry));
        store<u8>(p, TAB);
        p = messageTail(p + 1, 0, 0, withProvider ? provider : 0, providerLen, read, t);
      }
    }
    seq++;
    j++;
    if (p >= full) break;
  }
  store<u32>(state + LOOP_NEXT, j);
  store<u32>(state + LOOP_PREV_ROLE, prevRole);
  store<u32>(state + LOOP_SEQ, seq);
  store<f64>(state + LOOP_CLOCK, t);
  return p;
}
