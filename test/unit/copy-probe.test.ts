// The time-index scenario's COPY probe takes its rows from the generator: it must hand
// every row kernel slot back and reuse one generator context.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chunkPlan, generateChunk, makeContext } from '../../generators/index.ts';
import { MAX_ROWS, contextFor, generateSlice } from '../../scenarios/time-index/copy-probe.ts';

const data = { scale: 1_000_000, seed: 5, months: 12 };

test('the copy probe reuses one context and hands back every slot, stopping mid-chunk included', () => {
  const ctx = contextFor(data);
  const free = ctx.kernel.slots.pooled;
  const first = generateSlice(data);
  const again = generateSlice(data);
  assert.is(contextFor(data), ctx);
  assert.is(first.rows, MAX_ROWS, 'the chunk has more rows than the slice: the generator was stopped early');
  assert.is(ctx.kernel.slots.pooled, free, 'slots out after two slices');
  assert.ok(Buffer.concat(first.lines).equals(Buffer.concat(again.lines)));
});

test("the copy probe's slice is the chunk's first rows, each ending its line", () => {
  const slice = generateSlice(data);
  const conv = chunkPlan(data).filter((c) => c.group === 'conversations');
  const chunk = conv.find((c) => c.month === Math.floor(data.months / 2))!;
  const fresh = makeContext(data, 'smallint');
  const text = Buffer.concat([...generateChunk(fresh, chunk, {}, new Set(['message_history']))].map((p) => p.buf)).toString();
  const rows = text.split('\n').slice(0, MAX_ROWS).map((r) => `${r}\n`);
  assert.equal(
    slice.lines.map((l) => l.toString()),
    rows,
  );
});

test.run();
