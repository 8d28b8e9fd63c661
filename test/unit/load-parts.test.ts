/**
 * `--part I/N`: the flag's parser, and how a load's chunks are dealt to the parts (every
 * chunk to exactly one part, each part some of every group) and what remains.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePart } from '../../cli/part.ts';
import { PgscaleError } from '../../core/errors.ts';
import { partChunks, remainingChunks } from '../../db/load-parts.ts';
import { chunkPlan } from '../../generators/plan.ts';

test('--part parses I/N from 1 and refuses 0/2, 3/2, 1/0 and x as usage errors saying what to type', () => {
  assert.equal(parsePart('1/2'), { index: 1, count: 2 });
  assert.equal(parsePart(' 4 / 4 '), { index: 4, count: 4 });
  for (const [value, why] of [
    ['0/2', /numbered from 1/],
    ['3/2', /I must be from 1 to N \(2\)/],
    ['1/0', /N must be from 1 to 1000/],
    ['x', /expected I\/N/],
    ['1/2/3', /expected I\/N/],
    ['-1/2', /expected I\/N/],
  ] as const) {
    try {
      parsePart(value);
      assert.unreachable(value);
    } catch (err) {
      assert.instance(err, PgscaleError);
      assert.is((err as PgscaleError).exitCode, 2);
      assert.match((err as Error).message, why, value);
    }
  }
});

const plan = chunkPlan({ scale: 3_000_000, seed: 1, months: 12 });

test('every chunk of the plan belongs to exactly one part, for any N', () => {
  for (const n of [1, 2, 3, 7, plan.length + 5]) {
    const dealt = Array.from({ length: n }, (_, i) => partChunks(plan, { index: i + 1, count: n })).flat();
    assert.is(dealt.length, plan.length, `N=${n}`);
    assert.is(new Set(dealt.map((c) => `${c.group}:${c.k}`)).size, plan.length, `N=${n}`);
  }
});

test('with fewer parts than chunks of a group, each part gets some of the big groups', () => {
  const n = 4;
  for (let i = 1; i <= n; i++) {
    const groups = new Set(partChunks(plan, { index: i, count: n }).map((c) => c.group));
    assert.ok(groups.has('conversations') && groups.has('events'), `part ${i}: ${[...groups].join(', ')}`);
  }
});

test('what remains: the chunks not logged, their rows, and the parts they belong to', () => {
  const first = partChunks(plan, { index: 1, count: 3 });
  const done = new Set(first.map((c) => `${c.group}:${c.k}`));
  const r = remainingChunks(plan, done, 3);
  assert.is(r.chunks, plan.length - first.length);
  assert.is(r.of, plan.length);
  assert.is(r.rows, plan.reduce((a, c) => a + c.rows, 0) - first.reduce((a, c) => a + c.rows, 0));
  assert.equal(r.parts, [2, 3]);
  assert.equal(remainingChunks(plan, new Set(plan.map((c) => `${c.group}:${c.k}`)), 3), { chunks: 0, of: plan.length, rows: 0, parts: [] });
});

test.run();
