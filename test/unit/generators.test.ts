import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GROUP_TABLES, TABLES, chunkPlan, deriveCounts, generateChunk, generateTable, makeContext } from '../../generators/index.ts';
import type { RowCounts } from '../../generators/index.ts';
import { apportion, zipfRank } from '../../generators/distributions.ts';
import { Rng } from '../../generators/rng.ts';

const params = { scale: 30_000, seed: 3, months: 3 };

function chunkBytes(seed: number, k = 0): Buffer {
  const p = { ...params, seed };
  const ctx = makeContext(p, 'smallint');
  const c = chunkPlan(p).filter((x) => x.group === 'conversations')[k];
  return Buffer.concat([...generateChunk(ctx, c, {})].map((x) => x.buf));
}

test('a chunk is a pure function of seed, scale and index', () => {
  assert.ok(chunkBytes(3).equals(chunkBytes(3)));
  assert.not.ok(chunkBytes(3).equals(chunkBytes(4)));
});

test('the plan covers exactly scale messages, users, tasks and events', () => {
  const plan = chunkPlan({ scale: 1_234_567, seed: 1, months: 12 });
  const counts = deriveCounts({ scale: 1_234_567, seed: 1, months: 12 });
  const sum = (g: string) => plan.filter((c) => c.group === g).reduce((a, c) => a + c.rows, 0);
  assert.is(sum('conversations'), 1_234_567);
  assert.is(sum('users'), counts.users);
  assert.is(sum('tasks'), counts.tasks);
  assert.is(sum('events'), counts.events);
  assert.ok(plan.filter((c) => c.group === 'conversations').every((c) => c.rows <= 100_000));
});

test('conversation chunks hold exactly their message budget and time-ordered sessions', () => {
  const ctx = makeContext(params, 'smallint');
  for (const c of chunkPlan(params).filter((x) => x.group === 'conversations')) {
    const counts: RowCounts = {};
    const text = Buffer.concat([...generateChunk(ctx, c, counts)].filter((p) => p.table === 'user_sessions').map((p) => p.buf)).toString();
    assert.is(counts.message_history, c.rows);
    const starts = text.trimEnd().split('\n').map((l) => l.split('\t')[9]);
    assert.is(starts.length, counts.user_sessions);
    assert.equal([...starts].sort(), starts, 'session starts are in time order');
    const month = new Date(Date.UTC(2025, c.month, 1)).toISOString().slice(0, 7);
    assert.ok(starts.every((s) => s.startsWith(month)), `sessions of chunk ${c.k} start in ${month}`);
  }
});

test('no message of the last month runs past the generated span (the DEFAULT partition stays empty)', () => {
  for (const seed of [1, 2, 3]) {
    // Two months at 400k messages: the last chunk is a thin slice at the end of the span.
    const p = { scale: 400_000, seed, months: 2 };
    const ctx = makeContext(p, 'smallint');
    const last = chunkPlan(p).filter((x) => x.group === 'conversations').at(-1)!;
    const ts = TABLES.message_history.columns.indexOf('created_at');
    let latest = '';
    for (const piece of generateChunk(ctx, last, {}, new Set(['message_history']))) {
      for (const l of piece.buf.toString().trimEnd().split('\n')) {
        const t = l.split('\t')[ts];
        if (t > latest) latest = t;
      }
    }
    assert.ok(latest < '2025-03-01', `seed ${seed}: latest message ${latest}`);
    assert.ok(latest > '2025-02-28 20', `seed ${seed}: the last slice reaches the end of the span (${latest})`);
  }
});

test('messages of a session follow in time with increasing message_index', () => {
  const ctx = makeContext(params, 'varchar');
  const c = chunkPlan(params).find((x) => x.group === 'conversations')!;
  const lines = Buffer.concat([...generateChunk(ctx, c, {}, new Set(['message_history']))].map((p) => p.buf)).toString().trimEnd().split('\n');
  const bySession = new Map<string, Array<[number, string]>>();
  for (const l of lines) {
    const f = l.split('\t');
    bySession.set(f[0], [...(bySession.get(f[0]) ?? []), [Number(f[4]), f[11]]]);
  }
  for (const msgs of bySession.values()) {
    msgs.forEach(([idx, ts], j) => {
      assert.is(idx, j);
      if (j > 0) assert.ok(ts >= msgs[j - 1][1], 'timestamps do not go back');
    });
  }
  const roles = lines.map((l) => l.split('\t')[5]);
  assert.ok(roles.filter((r) => r === 'user').length > lines.length * 0.35, 'users write a good share of messages');
  assert.ok(roles.filter((r) => r === 'assistant').length > lines.length * 0.35, 'assistants answer');
  const content = TABLES.message_history.columns.indexOf('content');
  const texts = lines.map((l) => l.split('\t')[content]);
  assert.ok(texts.some((t) => t.includes('\\t')), 'some text carries tabs');
  assert.ok(texts.some((t) => t.includes('\\n')), 'some text carries newlines');
  assert.ok(texts.some((t) => t.includes('\\\\')), 'some text carries backslashes');
  assert.ok(texts.some((t) => /[\u0400-\u04FF\u3040-\u30FF\u0600-\u06FF]/.test(t)), 'some text is in non-Latin scripts');
  assert.ok(texts.some((t) => /\p{Extended_Pictographic}/u.test(t)), 'some text carries emoji');
});

test('ids are unique across a whole data set', () => {
  const ctx = makeContext(params, 'smallint');
  const ids = new Set<string>();
  let n = 0;
  for (const c of chunkPlan(params).filter((x) => x.group === 'conversations')) {
    for (const p of generateChunk(ctx, c, {}, new Set(['message_history']))) {
      for (const l of p.buf.toString().trimEnd().split('\n')) {
        ids.add(l.split('\t')[3]);
        n++;
      }
    }
  }
  assert.is(n, params.scale);
  assert.is(ids.size, n);
});

test('user activity is Zipf-skewed: the top 1% of users hold far more than 1% of sessions', () => {
  const draws = 100_000;
  const users = 10_000;
  const rng = new Rng(1, 0);
  let top = 0;
  for (let i = 0; i < draws; i++) if (zipfRank(rng.next(), users, 1.05) < users / 100) top++;
  assert.ok(top / draws > 0.2, `top 1% share ${top / draws}`);
});

test('apportion splits a total exactly', () => {
  assert.equal(apportion(10, [1, 1, 1]), [4, 3, 3]);
  assert.is(apportion(1_000_003, [31, 28, 31, 30]).reduce((a, b) => a + b, 0), 1_000_003);
});

test('generate TABLE --rows N yields exactly N rows for every table', () => {
  for (const table of Object.values(GROUP_TABLES).flat()) {
    const rows = table === 'tenants' ? 7 : 1500;
    const text = Buffer.concat([...generateTable(table, rows, 1, 12, 'smallint')]).toString();
    assert.is(text.split('\n').length - 1, rows, table);
  }
});

test.run();
