/**
 * The row loops' byte work in WebAssembly (AssemblyScript, compiled to kernel.wasm by
 * `npm run build:wasm`; a unit test checks the committed binary is this source's). The
 * JS generators keep every random draw and decision; these functions only write bytes
 * they are given, into the output buffers that live in the same memory: a UUID from a
 * keyed Feistel permutation, a timestamptz, small integers, and copies of pre-encoded
 * text. Each writes from address p and returns the address after what it wrote.
 * Output is byte-identical to CopyWriter's (generators/copytext.ts).
 */

/** Tables at the start of memory, built by init(); the caller's data starts at DATA_START. */
const HEX4: u32 = 0; // hex digits of every 16-bit value as one little-endian word (256 KiB)
const DIG2: u32 = 262144; // `00`..`99`, two bytes each
const SEC: u32 = DIG2 + 256; // `:SS.` per second, one word each
const MILLI: u32 = SEC + 256; // `mmm+` per millisecond, one word each
export const DATA_START: u32 = 270336; // past MILLI + 4000 (266656), rounded up to 4 KiB

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
export function id(p: u32, hi: u32, lo: u32, mixed: u32, key: u32): u32 {
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

/** The value at `at` (or \N when `at` is 0: the arena starts at DATA_START), then a tab. */
@inline function nullable(p: u32, at: u32, len: u32): u32 {
  if (at) {
    memory.copy(p, at, len);
    p += len;
  } else {
    store<u16>(p, 0x4e5c); // \N
    p += 2;
  }
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
export function messageHead(p: u32, pre: u32, preLen: u32, hi: u32, lo: u32, mixed: u32, key: u32, index: u32): u32 {
  memory.copy(p, pre, preLen);
  p = id(p + preLen, hi, lo, mixed, key);
  store<u8>(p, TAB);
  p = uint(p + 1, index);
  store<u8>(p, TAB);
  return p + 1;
}

/** message_history from its role: the encoded middle, llm_provider (\N when at 0), is_read, created_at. */
export function messageTail(p: u32, mid: u32, midLen: u32, provider: u32, providerLen: u32, read: u32, t: f64): u32 {
  memory.copy(p, mid, midLen);
  p = nullable(p + midLen, provider, providerLen);
  store<u8>(p, read ? 116 : 102);
  store<u8>(p + 1, TAB);
  p = timestamp(p + 2, t);
  store<u8>(p, NL);
  return p + 1;
}

/** A whole message_history row: messageHead, then messageTail. */
export function message(p: u32, pre: u32, preLen: u32, hi: u32, lo: u32, mixed: u32, key: u32, index: u32, mid: u32, midLen: u32, provider: u32, providerLen: u32, read: u32, t: f64): u32 {
  return messageTail(messageHead(p, pre, preLen, hi, lo, mixed, key, index), mid, midLen, provider, providerLen, read, t);
}

/**
 * analytics_events from its session_id: the session's id (or \N when `session` is 0),
 * event_type, channel, properties, occurred_at.
 */
export function eventTail(p: u32, session: u32, hi: u32, lo: u32, mixed: u32, key: u32, type: u32, typeLen: u32, channel: u32, channelLen: u32, props: u32, propsLen: u32, t: f64): u32 {
  if (session) p = id(p, hi, lo, mixed, key);
  else {
    store<u16>(p, 0x4e5c);
    p += 2;
  }
  store<u8>(p, TAB);
  p = value(p + 1, type, typeLen);
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
export function session(p: u32, pre: u32, preLen: u32, bot: u32, channel: u32, channelLen: u32, intent: u32, intentLen: u32, memoryType: u32, memoryTypeLen: u32, title: u32, titleLen: u32, messages: u32, start: f64, end: f64): u32 {
  memory.copy(p, pre, preLen);
  p = uint(p + preLen, bot);
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
export function event(p: u32, id: u32, cache: u32, cacheMask: u32, cacheStride: u32, user: u32, session: u32, hi: u32, lo: u32, mixed: u32, key: u32, type: u32, typeLen: u32, channel: u32, channelLen: u32, props: u32, propsLen: u32, t: f64): u32 {
  const slot = cache + (user & cacheMask) * cacheStride;
  if (load<u32>(slot) != user) return 0;
  p = uint(p, id);
  store<u8>(p, TAB);
  const n = load<u32>(slot + 8);
  memory.copy(p + 1, slot + 12, n);
  return eventTail(p + 1 + n, session, hi, lo, mixed, key, type, typeLen, channel, channelLen, props, propsLen, t);
}

/**
 * auto_tasks from its session_id: the session's id (or \N when `session` is 0), title,
 * status, priority, execution_mode, risk_level, intent, progress, created_at, updated_at,
 * completed_at (updated_at when `completed`, else \N).
 */
export function taskTail(p: u32, session: u32, hi: u32, lo: u32, mixed: u32, key: u32, title: u32, titleLen: u32, status: u32, statusLen: u32, priority: u32, priorityLen: u32, mode: u32, modeLen: u32, risk: u32, riskLen: u32, intent: u32, intentLen: u32, progress: u32, created: f64, updated: f64, completed: u32): u32 {
  if (session) p = id(p, hi, lo, mixed, key);
  else {
    store<u16>(p, 0x4e5c);
    p += 2;
  }
  store<u8>(p, TAB);
  p = value(p + 1, title, titleLen);
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
  if (completed) p = timestamp(p + 1, updated);
  else {
    store<u16>(p + 1, 0x4e5c);
    p += 3;
  }
  store<u8>(p, NL);
  return p + 1;
}
