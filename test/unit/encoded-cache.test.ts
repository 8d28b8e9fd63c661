// The encoded-user cache must write exactly what encoding afresh writes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KEY, tenantOfUser, writeId, writeUserRef } from '../../generators/context.ts';
import { CopyWriter } from '../../generators/copytext.ts';
import { EncodedCache } from '../../generators/encoded-cache.ts';
import { makeContext } from '../../generators/index.ts';
import { Rng } from '../../generators/rng.ts';

test('EncodedCache misses, hits, and lets a colliding key evict the older one', () => {
  const cache = new EncodedCache(4, 16);
  const w = new CopyWriter();
  assert.ok(Number.isNaN(cache.copyTo(w, 5)));
  assert.is(w.pos, 0, 'a miss writes nothing');
  w.text('five');
  w.tab();
  cache.store(w, 5, 0, 55);
  w.text('|');
  assert.is(cache.copyTo(w, 5), 55);
  assert.is(w.take().toString(), 'five\t|five\t');
  // 21 = 5 + 16: the same slot.
  w.text('twenty-one');
  cache.store(w, 21, 0, 210);
  w.pos = 0;
  assert.ok(Number.isNaN(cache.copyTo(w, 5)), 'evicted');
  assert.is(cache.copyTo(w, 21), 210);
  assert.is(w.take().toString(), 'twenty-one');
});

test('EncodedCache writes only the value into a buffer with no room for a whole slot', () => {
  const cache = new EncodedCache(2, 32);
  const big = new CopyWriter();
  big.text('abc');
  cache.store(big, 1, 0, 7);
  const small = new CopyWriter(5);
  small.text('xy');
  assert.is(cache.copyTo(small, 1), 7);
  assert.is(small.buf.toString('latin1', 0, small.pos), 'xyabc');
});

test('writeUserRef writes tenant and user id exactly as computed afresh, cached or not', () => {
  const ctx = makeContext({ scale: 400_000, seed: 5, months: 2 }, 'smallint');
  const rng = new Rng(5, 5);
  const got = new CopyWriter();
  const want = new CopyWriter();
  for (let i = 0; i < 30_000; i++) {
    const u = ctx.userZipf.rank(rng.next());
    got.pos = 0;
    want.pos = 0;
    const tenant = writeUserRef(ctx, got, u);
    want.int(tenantOfUser(ctx, u));
    want.tab();
    writeId(want, 5, KEY.user, 0, u);
    want.tab();
    assert.is(tenant, tenantOfUser(ctx, u));
    assert.is(got.buf.toString('latin1', 0, got.pos), want.buf.toString('latin1', 0, want.pos), `user ${u}`);
  }
});

test.run();
