import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BufferPool } from '../../generators/buffer-pool.ts';

test('a released buffer is handed out again, as a fresh view of the same memory', () => {
  const pool = new BufferPool(64, 4);
  const a = pool.acquire();
  a[0] = 42;
  pool.release(a.subarray(0, 10)); // a piece of it, as COPY hands back
  const b = pool.acquire();
  assert.is(b.buffer, a.buffer);
  assert.is(b.length, 64);
  assert.is(pool.pooled, 0);
});

test('a buffer released twice is pooled once (two writers never share one)', () => {
  const pool = new BufferPool(64, 4);
  const a = pool.acquire();
  pool.release(a);
  pool.release(a.subarray(0, 1));
  assert.is(pool.pooled, 1);
  assert.is.not(pool.acquire().buffer, pool.acquire().buffer);
});

test('pieces of other buffers are ignored, and the pool keeps at most its limit', () => {
  const pool = new BufferPool(64, 2);
  pool.release(Buffer.alloc(64 + 1));
  pool.release(Buffer.from('small')); // a slice of Node's shared 8 KiB pool
  assert.is(pool.pooled, 0);
  const bufs = [pool.acquire(), pool.acquire(), pool.acquire()];
  for (const b of bufs) pool.release(b);
  assert.is(pool.pooled, 2);
});

test.run();
