import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { idKey, writeId } from '../../generators/context.ts';
import { slotPoolOf } from '../../generators/buffer-pool.ts';
import { CopyWriter, releaseOutput } from '../../generators/copytext.ts';
import { chunkPlan, generateChunk, makeContext } from '../../generators/index.ts';
import { RowKernel } from '../../generators/kernel-host.ts';
// @ts-expect-error: a plain .mjs build script, no types
import { compileKernel } from '../../generators/wasm/build.mjs';

const SLOT = 4096;

/** A kernel with a small arena and a few slots, and a slot to write into. */
function kernelAndSlot(): { kernel: RowKernel; slot: Buffer } {
  const kernel = new RowKernel(4096, SLOT, 4, 1);
  return { kernel, slot: kernel.slots.acquire()! };
}

test('the committed row-kernel.wasm is what row-kernel.ts compiles to (run npm run build:wasm after editing it)', async () => {
  const built: Uint8Array = await compileKernel();
  const committed = readFileSync(new URL('../../generators/wasm/row-kernel.wasm', import.meta.url));
  assert.ok(Buffer.from(built).equals(committed), 'generators/wasm/row-kernel.wasm is stale: run npm run build:wasm');
});

test('kernel ids are CopyWriter ids (writeId), for any row, key and seed', () => {
  const { kernel, slot } = kernelAndSlot();
  const w = new CopyWriter(64);
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 0x7fffffff }), fc.integer({ min: 1, max: 0x7fffffff }), (hi, lo, key, seed) => {
      w.pos = 0;
      writeId(w, seed, key, hi, lo);
      const end = kernel.calls.id({ out: slot.byteOffset, hi, lo, mixed: idKey(seed, key), key }) - slot.byteOffset;
      assert.is(end, 36);
      assert.is(slot.toString('latin1', 0, 36), w.buf.toString('latin1', 0, 36));
    }),
  );
});

test('kernel timestamps are CopyWriter timestamps, 1970 to 2200, leap days and minute changes included', () => {
  const { kernel, slot } = kernelAndSlot();
  const w = new CopyWriter(64);
  const at = slot.byteOffset;
  const check = (ms: number) => {
    w.pos = 0;
    w.timestamp(ms);
    // eventTail with no session and empty values: `\N\t\t\t\t` then the timestamp and a newline.
    const end = kernel.calls.eventTail({ out: at, session: 0, hi: 0, lo: 0, mixed: 0, key: 0, type: 0, typeLen: 0, channel: 0, channelLen: 0, props: 0, propsLen: 0, t: ms }) - at;
    assert.is(slot.toString('latin1', 0, end), `\\N\t\t\t\t${w.buf.toString('latin1', 0, w.pos)}\n`, `at ${ms}`);
  };
  for (const iso of ['1970-01-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z', '2024-03-01T00:00:00.000Z', '2100-02-28T12:00:00.500Z', '2100-03-01T00:00:00.000Z', '2000-02-29T00:00:00.001Z', '2025-12-31T23:59:59.999Z']) {
    check(Date.parse(iso));
  }
  fc.assert(fc.property(fc.double({ min: 0, max: Date.parse('2200-01-01T00:00:00Z'), noNaN: true }), check), { numRuns: 5000 });
  // Consecutive rows in and across minutes (the cached minute is rebuilt only when it changes).
  for (let ms = Date.parse('2025-06-30T23:58:00Z'); ms < Date.parse('2025-07-01T00:02:00Z'); ms += 7_919.5) check(ms);
});

test('kernel session rows: prefix, integers of every length, enum values, title or NULL, two timestamps', () => {
  const { kernel, slot } = kernelAndSlot();
  const table = kernel.put([Buffer.from('PRE\t'), Buffer.from('web'), Buffer.from('support'), Buffer.from('episodic'), Buffer.from('Help me')]);
  const [pre, channel, intent, memory, title] = [0, 1, 2, 3, 4].map((i): [number, number] => [table.at[i], table.len[i]]);
  const start = Date.parse('2025-03-04T05:06:07.089Z');
  for (const n of [0, 9, 10, 99, 100, 399, 12345, 987654321, 4294967295]) {
    const at = slot.byteOffset;
    const row = (titled: boolean) =>
      slot.toString(
        'latin1',
        0,
        kernel.calls.session({
          out: at,
          prefix: pre[0],
          prefixLen: pre[1],
          bot: n,
          channel: channel[0],
          channelLen: channel[1],
          intent: intent[0],
          intentLen: intent[1],
          memoryType: memory[0],
          memoryTypeLen: memory[1],
          title: titled ? title[0] : 0,
          titleLen: title[1],
          messages: n,
          start,
          end: start + 61_000,
        }) - at,
      );
    assert.is(row(true), `PRE\t${n}\tweb\tsupport\tepisodic\tHelp me\t${n}\t2025-03-04 05:06:07.089+00\t2025-03-04 05:07:08.089+00\n`);
    assert.is(row(false), `PRE\t${n}\tweb\tsupport\tepisodic\t\\N\t${n}\t2025-03-04 05:06:07.089+00\t2025-03-04 05:07:08.089+00\n`);
  }
});

test('a kernel arena refuses more than it was sized for', () => {
  const kernel = new RowKernel(8, SLOT, 1, 0);
  kernel.put([Buffer.from('12345678')]);
  assert.throws(() => kernel.put([Buffer.from('9')]), /arena is full/);
});

test('kernel slots: handed out until none is free, taken back by their start only, once', () => {
  const kernel = new RowKernel(0, SLOT, 2, 0);
  const a = kernel.slots.acquire()!;
  const b = kernel.slots.acquire()!;
  assert.is(a.length, SLOT);
  assert.is(a.buffer, b.buffer);
  assert.is.not(a.byteOffset, b.byteOffset);
  assert.is(kernel.slots.acquire(), undefined);
  kernel.slots.release(a.subarray(1)); // not a slot's start
  kernel.slots.release(Buffer.alloc(SLOT)); // another memory
  assert.is(kernel.slots.pooled, 0);
  kernel.slots.release(a.subarray(0, 10));
  kernel.slots.release(a);
  assert.is(kernel.slots.pooled, 1);
  assert.is(kernel.slots.acquire()!.byteOffset, a.byteOffset);
});

test('a writer hands over copies once only its reserve of slots is free, and keeps writing where it is', () => {
  const kernel = new RowKernel(0, SLOT, 3, 1);
  const w = new CopyWriter(undefined, kernel.slots);
  w.int(1111);
  const first = w.take(); // two slots free: the slot itself, and a new one for the writer
  assert.ok(slotPoolOf(first) === kernel.slots);
  assert.is(first.toString(), '1111');
  assert.ok(kernel.slots.scarce);
  const slot = w.buf;
  w.int(2222);
  const second = w.take(); // only the reserve left: a copy
  assert.is(slotPoolOf(second), undefined);
  assert.is(second.toString(), '2222');
  assert.is(w.buf, slot);
  w.int(3333);
  const last = w.done()!; // a copy too, and the writer's slot goes back
  assert.is(slotPoolOf(last), undefined);
  assert.is(last.toString(), '3333');
  assert.is(first.toString(), '1111'); // what was handed over is never written again
  assert.is(kernel.slots.pooled, 2);
  releaseOutput(first);
  assert.is(kernel.slots.pooled, 3);
});

test('a writer gets a clear error when every slot is out', () => {
  const kernel = new RowKernel(0, SLOT, 1, 0);
  const w = new CopyWriter(undefined, kernel.slots);
  assert.throws(() => new CopyWriter(undefined, kernel.slots), /no output buffer free/);
  w.done();
  new CopyWriter(undefined, kernel.slots);
});

test('a reader that never hands pieces back gets the same bytes as one that does', () => {
  // ~260 MB of message rows at 1m: far more than the slots a reader may hold before writers copy.
  const data = { scale: 1_000_000, seed: 1, months: 12 };
  const ctx = makeContext(data, 'smallint');
  const only = new Set(['message_history'] as const);
  const chunks = chunkPlan(data).filter((c) => c.group === 'conversations');
  const kept = createHash('sha1');
  const held: Buffer[] = [];
  for (const c of chunks) for (const piece of generateChunk(ctx, c, {}, only)) held.push(piece.buf);
  for (const buf of held) kept.update(buf);
  const released = createHash('sha1');
  for (const c of chunks) {
    for (const piece of generateChunk(ctx, c, {}, only)) {
      released.update(piece.buf);
      releaseOutput(piece.buf);
    }
  }
  assert.is(kept.digest('hex'), released.digest('hex'));
});

test('event ids past 2^32 (scales above 8.6e9) are written in full, not wrapped', () => {
  const data = { scale: 20_000, seed: 1, months: 12 };
  const ctx = makeContext(data, 'smallint');
  const chunk = chunkPlan(data).find((c) => c.group === 'events')!;
  const first = 2 ** 32 - 3;
  let text = '';
  for (const piece of generateChunk(ctx, { ...chunk, first, rows: 6 }, {})) text += piece.buf.toString();
  assert.equal(
    text.trim().split('\n').map((row) => Number(row.split('\t')[0])),
    [1, 2, 3, 4, 5, 6].map((i) => first + i),
  );
});

test('scratch areas are handed out one at a time and taken back', () => {
  const kernel = new RowKernel(0, SLOT, 1, 0);
  const a = kernel.scratch();
  const b = kernel.scratch();
  assert.is.not(a.byteOffset, b.byteOffset);
  kernel.releaseScratch(a);
  assert.is(kernel.scratch().byteOffset, a.byteOffset);
});

test.run();
