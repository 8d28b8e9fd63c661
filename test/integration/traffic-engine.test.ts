/**
 * The traffic engine against the real (embedded) server: latency counted from the
 * intended start through a stall (no coordinated omission), the offered rate kept, and
 * pgbench scripts run through the parser and the engine.
 */
import * as hdr from 'hdr-histogram-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type TrafficOptions, runTraffic } from '../../bench/traffic/engine.ts';
import type { WorkloadSpec } from '../../bench/traffic/workload.ts';
import { testClient, testTarget } from '../support/db.ts';

const TABLE = `t_traffic_${process.pid}`;
const PARAMS = { scale: 1, seed: 1, months: 12, enums: 'smallint' as const, vars: {}, clockStartMs: Date.UTC(2026, 0, 1) };

function script(text: string, file = 'select.sql'): WorkloadSpec {
  return { kind: 'script', name: file, scripts: [{ file, weight: 1, text }] };
}

/** A run of `text` (the select-only script by default) on the test server. */
async function traffic(opts: Omit<TrafficOptions, 'connection' | 'workload' | 'params'> & { text?: string; file?: string }) {
  const { text = SELECT_ONLY, file, ...rest } = opts;
  return runTraffic({ connection: (await testTarget()).config, workload: script(text, file), params: PARAMS, scriptVars: { scale: 1 }, ...rest });
}

// pgbench's select-only script, on a pgbench_accounts-like table the test makes.
const SELECT_ONLY = `\\set aid random(1, 10000 * :scale)\nSELECT abalance FROM ${TABLE} WHERE aid = :aid;\n`;

test.before(async () => {
  const c = await testClient();
  try {
    await c.query(`DROP TABLE IF EXISTS public.${TABLE}`);
    await c.query(`CREATE TABLE public.${TABLE} (aid int PRIMARY KEY, abalance int NOT NULL DEFAULT 0)`);
    await c.query(`INSERT INTO public.${TABLE} (aid) SELECT g FROM generate_series(1, 10000) g`);
    await c.query(`ANALYZE public.${TABLE}`);
  } finally {
    await c.end();
  }
});

test.after(async () => {
  const c = await testClient();
  try {
    await c.query(`DROP TABLE IF EXISTS public.${TABLE}`);
  } finally {
    await c.end();
  }
});

test('transactions scheduled into a 2 s lock show their wait from the intended start (no coordinated omission)', async () => {
  const locker = await testClient();
  const rate = 200;
  // The stall: an exclusive lock held for 2 s of the 10 s window, from 4 s in.
  const stall = (async () => {
    await new Promise((r) => setTimeout(r, 1000 + 4000));
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE public.${TABLE} IN ACCESS EXCLUSIVE MODE`);
    await new Promise((r) => setTimeout(r, 2000));
    await locker.query('COMMIT');
  })();
  const run = await traffic({
    clients: 16,
    threads: 1,
    rate,
    arrivals: 'uniform',
    durationSeconds: 10,
    warmupSeconds: 1,
    seed: 1,
  });
  await stall;
  await locker.end();
  const t = run.traffic;
  assert.is(run.fatal, undefined);
  assert.is(t.errors, 0);
  // About a fifth of the window was scheduled into the stall: those waited, and the tail shows it.
  const h = hdr.decodeFromCompressedBase64(t.histogram);
  const slow = 1 - shareBelow(h, 100_000);
  assert.ok(slow > 0.15 && slow < 0.3, `share that waited over 100 ms: ${slow.toFixed(3)} of ${t.transactions}`);
  assert.ok(t.latencyMs.p90 > 500, `p90 ${t.latencyMs.p90} ms reflects the stall`);
  assert.ok(t.latencyMs.p99 > 1500, `p99 ${t.latencyMs.p99} ms reflects the stall`);
  assert.ok(t.latencyMs.max >= 1700 && t.latencyMs.max < 3000, `max ${t.latencyMs.max} ms is about the 2 s stall`);
  // The queue behind the 16 connections is schedule lag, reported apart from service time.
  assert.ok(t.scheduleLagMs.p99 > 500, `schedule lag p99 ${t.scheduleLagMs.p99} ms`);
  assert.is(t.dropped, 0);
});

/** The share of recorded values below `us` microseconds: the percentile rank, by bisection. */
function shareBelow(h: hdr.Histogram, us: number): number {
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (h.getValueAtPercentile(mid) < us) lo = mid;
    else hi = mid;
  }
  return lo / 100;
}

test('an open loop at a cheap query achieves its target rate within 3 %, and reports schedule lag', async () => {
  const rate = 400;
  const run = await traffic({
    clients: 8,
    threads: 2,
    rate,
    arrivals: 'uniform',
    durationSeconds: 5,
    warmupSeconds: 1,
    seed: 7,
  });
  const t = run.traffic;
  assert.is(t.mode, 'open');
  assert.is(t.targetRate, rate);
  assert.ok(Math.abs(t.achievedRate / rate - 1) < 0.03, `achieved ${t.achievedRate.toFixed(1)} tx/s against ${rate}`);
  assert.is(t.errors, 0);
  assert.ok(t.scheduleLagMs.max > 0 && t.scheduleLagMs.p50 < 50, `schedule lag ${JSON.stringify(t.scheduleLagMs)}`);
  assert.ok(t.series.length >= 4 && t.series.every((s) => (s.offered ?? 0) > 0), 'per-second series with the offered count');
});

test('Poisson arrivals are seeded: what was offered was achieved, and the offer is near the target', async () => {
  const run = await traffic({
    clients: 8,
    threads: 2,
    rate: 300,
    durationSeconds: 5,
    warmupSeconds: 1,
    seed: 3,
  });
  const t = run.traffic;
  const offered = t.series.reduce((a, s) => a + (s.offered ?? 0), 0);
  assert.ok(Math.abs(offered / (300 * 5) - 1) < 0.1, `offered ${offered} in 5 s at 300/s`);
  assert.ok(Math.abs(t.transactions / offered - 1) < 0.02, `${t.transactions} completed of ${offered} offered`);
});

test('a closed loop runs a multi-statement pgbench script with \\set arithmetic and \\sleep on every client', async () => {
  const text = [
    '\\set aid random(1, 10000)',
    '\\set delta random(-5000, 5000)',
    '\\set half :aid / 2 + 1',
    'BEGIN;',
    `UPDATE ${TABLE} SET abalance = abalance + :delta WHERE aid = :aid;`,
    `SELECT abalance FROM ${TABLE}`,
    '  WHERE aid = :half;',
    'END;',
    '\\sleep 1 ms',
  ].join('\n');
  const run = await traffic({
    text,
    file: 'tpcb-ish.sql',
    clients: 4,
    threads: 2,
    durationSeconds: 2,
    warmupSeconds: 0,
    seed: 1,
  });
  const t = run.traffic;
  assert.is(t.mode, 'closed');
  assert.is(t.errors, 0, JSON.stringify(t.errorsBySqlstate));
  assert.ok(t.transactions > 50, `${t.transactions} transactions`);
  assert.ok(t.latencyMs.p50 >= 1, `\\sleep 1 ms is inside each transaction: p50 ${t.latencyMs.p50} ms`);
  assert.is(t.perTransaction[0].name, 'tpcb-ish.sql');
});

test('statement errors are counted per SQLSTATE and do not stop the run', async () => {
  const run = await traffic({
    text: '\\set x random(0, 1)\nSELECT 1 / :x;\n',
    file: 'div.sql',
    clients: 2,
    threads: 1,
    durationSeconds: 1,
    warmupSeconds: 0,
    seed: 1,
  });
  const t = run.traffic;
  assert.ok(t.errors > 10 && t.transactions > 10, `${t.errors} failed, ${t.transactions} ok`);
  assert.ok((t.errorsBySqlstate['22012'] ?? 0) === t.errors, JSON.stringify(t.errorsBySqlstate));
  assert.is(run.fatal, undefined);
});

test.run();
