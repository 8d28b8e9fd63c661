import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { measureLatency, resolveLatencyOptions, subsampleSorted, underSampledPercentiles } from '../../bench/latency.ts';
import { StatementTimeout, statementTimeoutGuard, withStatementTimeout } from '../../bench/timeout.ts';
import { testClient } from '../support/db.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('subsampleSorted keeps the minimum, the maximum and at most k values', () => {
  const sorted = Array.from({ length: 10_000 }, (_, i) => i / 10);
  const sub = subsampleSorted(sorted, 2000);
  assert.is(sub.length, 2000);
  assert.is(sub[0], 0);
  assert.is(sub[sub.length - 1], 999.9);
  assert.ok(sub.every((v, i) => i === 0 || v >= sub[i - 1]), 'stays sorted');
  assert.equal(subsampleSorted(sorted, 2000), sub, 'deterministic');
});

test('subsampleSorted returns a short sample whole', () => {
  assert.equal(subsampleSorted([1, 2, 3], 2000), [1, 2, 3]);
});

test('resolveLatencyOptions rejects a hard cap below the budget', () => {
  assert.throws(() => resolveLatencyOptions({ timeMs: 500, hardCapMs: 100 }), /hardCapMs/);
});

/** An async operation that takes at least `ms` (setTimeout can fire up to 1 ms early: libuv caches the loop time). */
async function work(ms: number): Promise<void> {
  const t = performance.now();
  while (performance.now() - t < ms) {
    // spin: a lower bound the timer cannot undercut
  }
  await Promise.resolve();
}

test('measureLatency reports ordered percentiles and at least the minimum samples of a fast operation', async () => {
  const r = await measureLatency('work-0.5', () => work(0.5), { timeMs: 150, warmupMs: 20, minSamples: 10 });
  assert.ok(r.samples >= 10, `samples ${r.samples}`);
  assert.ok(r.latencyMs.min >= 0.49, `min ${r.latencyMs.min}`);
  assert.ok(r.latencyMs.p50 <= r.latencyMs.p75 && r.latencyMs.p75 <= r.latencyMs.p99 && r.latencyMs.p99 <= r.latencyMs.p999);
  assert.ok(r.latencyMs.p999 <= r.latencyMs.max);
  assert.is(r.samplesMs.length, Math.min(r.samples, 2000));
  assert.ok(r.rme >= 0 && Number.isFinite(r.rme));
});

test('measureLatency bounds a slow operation by its hard cap instead of the sample minimum', async () => {
  const t0 = performance.now();
  // 40 samples of 120 ms would take 4.8 s; the cap (400 ms) must win. The bound is 5× the
  // cap, so a loaded runner does not fail it, and a missing cap still does.
  const r = await measureLatency('sleep-120', () => sleep(120), { timeMs: 200, warmupMs: 0, minSamples: 40, hardCapMs: 400 });
  const elapsed = performance.now() - t0;
  assert.ok(elapsed < 2000, `took ${elapsed.toFixed(0)} ms`);
  assert.ok(r.samples >= 1 && r.samples < 40, `samples ${r.samples}`);
  assert.ok(r.latencyMs.p50 >= 115, `p50 ${r.latencyMs.p50}`);
});

test('measureLatency records one probe when a single execution breaks the hard cap', async () => {
  const r = await measureLatency('sleep-80', () => sleep(80), { timeMs: 20, hardCapMs: 40, warmupMs: 0 });
  assert.is(r.samples, 1);
  assert.is(r.state, 'capped');
  assert.equal(r.underSampled, ['p99', 'p999']);
});

test('p99 needs 100 samples and p999 1000 before they are more than the maximum', () => {
  assert.equal(underSampledPercentiles(99), ['p99', 'p999']);
  assert.equal(underSampledPercentiles(100), ['p999']);
  assert.equal(underSampledPercentiles(1000), []);
});

test('a probe the guard cuts off is recorded as timed-out, not thrown', async () => {
  const guard = async <T>(capMs: number, run: () => Promise<T>): Promise<T> => {
    await run();
    throw new StatementTimeout(capMs);
  };
  let calls = 0;
  const r = await measureLatency('cut-off', async () => void calls++, { timeMs: 50, warmupMs: 0, hardCapMs: 200 }, guard);
  assert.is(r.state, 'timed-out');
  assert.is(r.samples, 1);
  assert.is(calls, 1, 'nothing runs after the probe was cut off');
});

test('statement_timeout cuts a slow probe off at the hard cap on the server, and is put back', async () => {
  const c = await testClient();
  try {
    await c.query(`SET statement_timeout = '20s'`);
    const t0 = performance.now();
    const r = await measureLatency('pg_sleep', () => c.query('SELECT pg_sleep(5)'), { timeMs: 50, warmupMs: 0, hardCapMs: 150 }, statementTimeoutGuard(c));
    const elapsed = performance.now() - t0;
    assert.is(r.state, 'timed-out');
    assert.ok(r.latencyMs.p50 >= 140 && elapsed < 2500, `probe ${r.latencyMs.p50.toFixed(0)} ms, all ${elapsed.toFixed(0)} ms`);
    assert.is((await c.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0].statement_timeout, '20s');
    // A stricter session value is kept: the cap only ever tightens it.
    await c.query(`SET statement_timeout = '50ms'`);
    try {
      await withStatementTimeout(c, 1000, () => c.query('SELECT pg_sleep(1)'));
      assert.unreachable('should have been cut off');
    } catch (err) {
      assert.instance(err, StatementTimeout);
      assert.is((err as StatementTimeout).capMs, 50);
    }
  } finally {
    await c.end();
  }
});

test('measureLatency never runs two executions at once (one connection, one query at a time)', async () => {
  let inFlight = 0;
  let most = 0;
  const op = () => {
    inFlight++;
    most = Math.max(most, inFlight);
    return sleep(1).then(() => {
      inFlight--;
    });
  };
  await measureLatency('overlap', op, { timeMs: 50, warmupMs: 10 });
  assert.is(most, 1);
});

test('measureLatency rethrows the operation error', async () => {
  let calls = 0;
  const fail = async () => {
    if (++calls > 3) throw new Error('boom');
  };
  try {
    await measureLatency('fails', fail, { timeMs: 50, warmupMs: 0 });
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.match((err as Error).message, 'boom');
  }
});

test.run();
