// Every export of the row kernel against its plain TypeScript reference
// (row-kernel-reference.ts), on inputs fast-check draws. A failure names the export and
// the row: the call's arguments and the first line that differs.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ASSISTANT_LATENCY, DIST, KEY, USER_THINK, idKey, makeContext } from '../../generators/context.ts';
import { CopyWriter, FLUSH_BYTES, OUTPUT_BUFFER_BYTES } from '../../generators/copytext.ts';
import { EncodedCache } from '../../generators/encoded-cache.ts';
import type { EnumDomain } from '../../generators/enums.ts';
import { RowKernel } from '../../generators/kernel-host.ts';
import { CACHE_HEADER_BYTES, CACHE_SLOT_BYTES, LOOP_DOUBLE, LOOP_WORD, PREFIX_BYTES, ROLE } from '../../generators/kernel-layout.ts';
import { Rng } from '../../generators/rng.ts';
import * as ref from './row-kernel-reference.ts';

const SLOT = 1 << 16;
const U32 = fc.integer({ min: 0, max: 0xffffffff });
const MS = fc.double({ min: 0, max: Date.parse('2200-01-01T00:00:00Z'), noNaN: true });
const FLAG = fc.integer({ min: 0, max: 1 });
/** The assertion's message (export, row, first differing line) in fast-check's report, not only as its cause. */
const REPORT = { includeErrorInReport: true };

/** Values of many lengths and bytes (empty, one byte, around a word, long, multi-byte UTF-8), put once into a kernel's arena. */
const TEXTS = ['', 'a', 'web', 'four', 'twelve bytes', 'thirteen byte', 'ünïcødé ✓', '{"k":"v","n":[1,2,3]}', 'x'.repeat(300), 'y'.repeat(4000)];

/** A kernel with the texts in its arena and a user cache; `text(i)` is where text i is. */
function textKernel() {
  const kernel = new RowKernel(1 << 20, SLOT, 4, 1);
  const table = kernel.put(TEXTS.map((t) => Buffer.from(t)));
  const text = (i: number) => ({ at: table.at[i], len: table.len[i] });
  const mem: ref.Memory = (at, len) => kernel.view(at, len);
  return { kernel, text, mem, slot: kernel.slots.acquire()! };
}

const TEXT = fc.nat({ max: TEXTS.length - 1 });

/** Fail naming the export, the call and the first row (line) that differs. */
function sameRows(name: string, call: object, kernel: Buffer, expected: Buffer): void {
  if (kernel.equals(expected)) return;
  const got = kernel.toString('latin1').split('\n');
  const want = expected.toString('latin1').split('\n');
  let row = 0;
  while (got[row] === want[row]) row++;
  assert.unreachable(`${name}: row ${row} differs for ${JSON.stringify(call)}\n  kernel:    ${JSON.stringify(got[row])}\n  reference: ${JSON.stringify(want[row])}`);
}

test('id: the UUID of any row under any key is the reference Feistel permutation', () => {
  const { kernel, slot } = textKernel();
  const w = new CopyWriter(64);
  fc.assert(
    fc.property(fc.record({ hi: U32, lo: U32, mixed: U32, key: U32 }), (a) => {
      w.pos = 0;
      ref.id(w, a);
      const end = kernel.calls.id({ out: slot.byteOffset, ...a }) - slot.byteOffset;
      sameRows('id', a, slot.subarray(0, end), w.buf.subarray(0, w.pos));
    }),
    { numRuns: 2000, ...REPORT },
  );
});

const SESSION_REF = { session: FLAG, hi: U32, lo: U32, mixed: U32, key: U32 };

test('eventTail: any session or none, any values, any time', () => {
  const { kernel, text, mem, slot } = textKernel();
  const w = new CopyWriter(SLOT);
  fc.assert(
    fc.property(fc.record({ ...SESSION_REF, type: TEXT, channel: TEXT, props: TEXT, t: MS }), (r) => {
      const a = { ...r, type: text(r.type).at, typeLen: text(r.type).len, channel: text(r.channel).at, channelLen: text(r.channel).len, props: text(r.props).at, propsLen: text(r.props).len };
      w.pos = 0;
      ref.eventTail(w, mem, a);
      const end = kernel.calls.eventTail({ out: slot.byteOffset, ...a }) - slot.byteOffset;
      sameRows('eventTail', r, slot.subarray(0, end), w.buf.subarray(0, w.pos));
    }),
    { numRuns: 2000, ...REPORT },
  );
});

test('event: a cached user gives the whole row, an uncached or evicted one nothing', () => {
  const { kernel, text, mem, slot } = textKernel();
  // 16 slots of the row kernel's size, in its memory; users 0..63 collide and evict each other.
  const cache = new EncodedCache(4, CACHE_SLOT_BYTES - CACHE_HEADER_BYTES, (bytes) => kernel.view(kernel.alloc(bytes), bytes));
  const w = new CopyWriter(SLOT);
  const USER = fc.nat({ max: 63 });
  fc.assert(
    fc.property(
      fc.array(fc.tuple(USER, TEXT), { maxLength: 12 }),
      fc.record({ id: U32, user: USER, ...SESSION_REF, type: TEXT, channel: TEXT, props: TEXT, t: MS }),
      (stores, r) => {
        // Whatever the cache holds for a user: one of the texts (those too long are not kept).
        for (const [user, t] of stores) {
          w.pos = 0;
          w.raw(Buffer.from(TEXTS[t]));
          cache.store(w, user, 0, user);
        }
        const a = { ...r, cache: cache.address, cacheMask: cache.mask, cacheStride: cache.stride, type: text(r.type).at, typeLen: text(r.type).len, channel: text(r.channel).at, channelLen: text(r.channel).len, props: text(r.props).at, propsLen: text(r.props).len };
        w.pos = 0;
        const hit = ref.event(w, mem, cache, a);
        const end = kernel.calls.event({ out: slot.byteOffset, ...a });
        if (!hit) assert.is(end, 0, `event: row for ${JSON.stringify({ stores, ...r })} is not cached, yet the kernel wrote it`);
        else sameRows('event', { stores, ...r }, slot.subarray(0, end - slot.byteOffset), w.buf.subarray(0, w.pos));
      },
    ),
    { numRuns: 2000, ...REPORT },
  );
});

test('session: any prefix, bot, values, title or NULL, count and times', () => {
  const { kernel, text, mem, slot } = textKernel();
  const w = new CopyWriter(SLOT);
  fc.assert(
    fc.property(fc.record({ prefix: TEXT, bot: U32, channel: TEXT, intent: TEXT, memoryType: TEXT, title: fc.option(TEXT), messages: U32, start: MS, end: MS }), (r) => {
      const t = (i: number) => text(i);
      const a = {
        prefix: t(r.prefix).at,
        prefixLen: t(r.prefix).len,
        bot: r.bot,
        channel: t(r.channel).at,
        channelLen: t(r.channel).len,
        intent: t(r.intent).at,
        intentLen: t(r.intent).len,
        memoryType: t(r.memoryType).at,
        memoryTypeLen: t(r.memoryType).len,
        title: r.title === null ? 0 : t(r.title).at,
        titleLen: r.title === null ? 0 : t(r.title).len,
        messages: r.messages,
        start: r.start,
        end: r.end,
      };
      w.pos = 0;
      ref.session(w, mem, a);
      const end = kernel.calls.session({ out: slot.byteOffset, ...a }) - slot.byteOffset;
      sameRows('session', r, slot.subarray(0, end), w.buf.subarray(0, w.pos));
    }),
    { numRuns: 2000, ...REPORT },
  );
});

test('taskTail: any session or none, six values, progress, times, completed or not', () => {
  const { kernel, text, mem, slot } = textKernel();
  const w = new CopyWriter(SLOT);
  fc.assert(
    fc.property(
      fc.record({ ...SESSION_REF, title: TEXT, status: TEXT, priority: TEXT, mode: TEXT, risk: TEXT, intent: TEXT, progress: U32, created: MS, updated: MS, completed: FLAG }),
      (r) => {
        const a = { ...r } as Record<string, number>;
        for (const f of ['title', 'status', 'priority', 'mode', 'risk', 'intent'] as const) {
          a[f] = text(r[f]).at;
          a[`${f}Len`] = text(r[f]).len;
        }
        const call = a as unknown as Parameters<typeof kernel.calls.taskTail>[0];
        w.pos = 0;
        ref.taskTail(w, mem, call);
        const end = kernel.calls.taskTail({ ...call, out: slot.byteOffset }) - slot.byteOffset;
        sameRows('taskTail', r, slot.subarray(0, end), w.buf.subarray(0, w.pos));
      },
    ),
    { numRuns: 2000, ...REPORT },
  );
});

for (const style of ['smallint', 'varchar'] as const) {
  test(`messages (${style}): any session, resumed at any row, its rows and its streams' state are the reference loop's`, () => {
    const ctx = makeContext({ scale: 20_000, seed: 3, months: 3 }, style);
    const E = ctx.enumBytes;
    const dense = (domain: EnumDomain) => Array.from(E[domain], (b) => b ?? Buffer.alloc(0));
    const model: ref.MessageModel = {
      userThink: USER_THINK,
      assistantLatency: ASSISTANT_LATENCY,
      userType: DIST.userMessageType,
      assistantType: DIST.assistantMessageType,
      pools: { user: ctx.pools.userMessages, assistant: ctx.pools.assistantMessages, tool: ctx.pools.toolMessages, system: ctx.pools.systemMessages, summary: ctx.pools.summaryMessages },
      roles: dense('message_role'),
      messageTypes: dense('message_type'),
    };
    const providers = ctx.arena.provider;
    const scratch = ctx.kernel.scratch();
    const slot = ctx.kernel.slots.acquire()!;
    const { words, doubles } = ctx.kernel.views(scratch.subarray(PREFIX_BYTES));
    const w = new CopyWriter(OUTPUT_BUFFER_BYTES);
    const STATE = fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 4, maxLength: 4 });
    const ROLES = fc.constantFrom(0, ...Object.values(ROLE));
    try {
      fc.assert(
        fc.property(
          fc.record({
            rng: STATE,
            crng: STATE,
            count: fc.integer({ min: 1, max: 400 }),
            from: fc.nat({ max: 399 }),
            prevRole: ROLES,
            seq: U32,
            clock: fc.double({ min: 0, max: Date.parse('2100-01-01T00:00:00Z'), noNaN: true }),
            lastAfter: fc.double({ min: -3_600_000, max: 400 * 86_400_000, noNaN: true }),
            chunk: U32,
            system: fc.option(fc.nat({ max: ctx.pools.systemMessages.length - 1 })),
            write: fc.boolean(),
            provider: fc.option(fc.nat({ max: providers.at.length - 1 })),
            full: fc.integer({ min: 1, max: FLUSH_BYTES }),
            prefix: fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('hex').slice(0, 100)),
          }),
          (r) => {
            const next = r.from % r.count;
            const prevRole = next === 0 ? 0 : r.prevRole;
            const lastMs = Math.max(0, r.clock + r.lastAfter);
            const mixed = idKey(3, KEY.message);
            // The kernel's side: the state and prefix in the scratch area.
            words.set(r.rng, LOOP_WORD.rng);
            words.set(r.crng, LOOP_WORD.crng);
            words[LOOP_WORD.next] = next;
            words[LOOP_WORD.prevRole] = prevRole;
            words[LOOP_WORD.seq] = r.seq;
            doubles[LOOP_DOUBLE.clock] = r.clock;
            const prefix = Buffer.from(r.prefix);
            prefix.copy(scratch);
            const end = ctx.kernel.calls.messages({
              out: slot.byteOffset,
              full: slot.byteOffset + r.full,
              state: scratch.byteOffset + PREFIX_BYTES,
              tables: ctx.messageTables,
              prefix: scratch.byteOffset,
              prefixLen: prefix.length,
              chunk: r.chunk,
              mixed,
              key: KEY.message,
              count: r.count,
              system: r.system === null ? 0 : r.system + 1,
              write: r.write ? 1 : 0,
              provider: r.provider === null ? 0 : providers.at[r.provider],
              providerLen: r.provider === null ? 0 : providers.len[r.provider],
              lastMs,
            });
            // The reference's side.
            const stream = (s: number[]) => {
              const rng = new Rng(0, 0);
              rng.loadFrom(Int32Array.from(s), 0);
              return rng;
            };
            const st: ref.LoopState = { rng: stream(r.rng), crng: stream(r.crng), next, prevRole, seq: r.seq, clock: r.clock };
            w.pos = 0;
            const provider = r.provider === null ? undefined : ctx.kernel.view(providers.at[r.provider], providers.len[r.provider]);
            ref.messages(w, model, { prefix, chunk: r.chunk, mixed, key: KEY.message, count: r.count, system: r.system === null ? 0 : r.system + 1, write: r.write, provider, lastMs }, st, r.full);
            const row = { ...r, next, prevRole, lastMs };
            sameRows('messages', row, slot.subarray(0, end - slot.byteOffset), w.buf.subarray(0, w.pos));
            const state = (s: Rng) => {
              const out = new Int32Array(4);
              s.saveTo(out, 0);
              return [...out];
            };
            assert.equal(
              { next: words[LOOP_WORD.next], prevRole: words[LOOP_WORD.prevRole], seq: words[LOOP_WORD.seq] >>> 0, clock: doubles[LOOP_DOUBLE.clock], rng: [...words.subarray(LOOP_WORD.rng, LOOP_WORD.rng + 4)], crng: [...words.subarray(LOOP_WORD.crng, LOOP_WORD.crng + 4)] },
              { next: st.next, prevRole: st.prevRole, seq: st.seq, clock: st.clock, rng: state(st.rng), crng: state(st.crng) },
              `messages: the loop state after ${JSON.stringify(row)}`,
            );
          },
        ),
        { numRuns: 300, ...REPORT },
      );
    } finally {
      ctx.kernel.releaseScratch(scratch);
      ctx.kernel.slots.release(slot);
    }
  });
}

test.run();
