import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TABLES, chunkPlan, generateChunk, makeContext } from '../../generators/index.ts';
import { CHARS_PER_TOKEN, LENGTHS, poolLengths } from '../../generators/lengths.ts';

const params = { scale: 20_000, seed: 5, months: 2 };
const M = TABLES.message_history.columns;
const S = TABLES.user_sessions.columns;
const B = TABLES.bots.columns;

/** COPY text back to the value (copytext.ts escapes these). */
function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v' })[c] ?? c);
}

function rowsOf(table: string): string[][] {
  const ctx = makeContext(params, 'varchar');
  const rows: string[][] = [];
  for (const c of chunkPlan(params)) {
    for (const p of generateChunk(ctx, c, {})) {
      if (p.table !== table) continue;
      for (const l of p.buf.toString().trimEnd().split('\n')) rows.push(l.split('\t'));
    }
  }
  return rows;
}

const messages = rowsOf('message_history');
const contentOf = (r: string[]) => unescape(r[M.indexOf('content')]);

test('each pool length model has the mean it is calibrated to', () => {
  for (const [name, model] of Object.entries(LENGTHS)) {
    const lengths = poolLengths(model, 4096);
    const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
    const want = model.meanTokens * CHARS_PER_TOKEN;
    assert.ok(Math.abs(mean - want) / want < 0.05, `${name}: mean ${mean.toFixed(0)} chars, model ${want}`);
  }
});

test('assistant replies average at least 600 characters and the p99 of all messages passes 2 kB', () => {
  const assistant = messages.filter((r) => r[M.indexOf('role')] === 'assistant').map((r) => contentOf(r).length);
  const avg = assistant.reduce((a, b) => a + b, 0) / assistant.length;
  assert.ok(avg >= 600, `assistant average ${avg.toFixed(0)} chars`);
  const bytes = messages.map((r) => Buffer.byteLength(contentOf(r))).sort((a, b) => a - b);
  assert.ok(bytes[Math.floor(bytes.length * 0.99)] > 2048, `p99 ${bytes[Math.floor(bytes.length * 0.99)]} bytes`);
  assert.ok(bytes[bytes.length - 1] > 10_000, `the longest message is ${bytes[bytes.length - 1]} bytes: the tail reaches tens of kB`);
});

test('token_count is the content length over CHARS_PER_TOKEN, rounded up', () => {
  for (const r of messages) {
    const chars = contentOf(r).length;
    assert.is(Number(r[M.indexOf('token_count')]), Math.max(1, Math.ceil(chars / CHARS_PER_TOKEN)));
  }
});

test('a bot repeats one system prompt in every session that has one, and its bots row holds the same', () => {
  const sessions = rowsOf('user_sessions');
  const botOf = new Map(sessions.map((s) => [s[S.indexOf('id')], s[S.indexOf('bot_id')]]));
  const promptOf = new Map<string, string>();
  const sessionsOf = new Map<string, number>();
  for (const r of messages.filter((x) => x[M.indexOf('role')] === 'system')) {
    const bot = botOf.get(r[M.indexOf('session_id')])!;
    const prompt = r[M.indexOf('content')];
    assert.is(promptOf.get(bot) ?? prompt, prompt, `bot ${bot}`);
    promptOf.set(bot, prompt);
    sessionsOf.set(bot, (sessionsOf.get(bot) ?? 0) + 1);
  }
  assert.ok([...sessionsOf.values()].some((n) => n > 1), 'some bot has several sessions with a system prompt');
  assert.ok(new Set(promptOf.values()).size > 1, 'bots have different prompts');
  for (const b of rowsOf('bots')) {
    const p = b[B.indexOf('system_prompt')];
    if (p !== '\\N' && promptOf.has(b[B.indexOf('id')])) assert.is(p, promptOf.get(b[B.indexOf('id')]));
  }
  const avg = [...promptOf.values()].reduce((a, p) => a + p.length, 0) / promptOf.size;
  assert.ok(avg > 1000, `system prompts are long: ${avg.toFixed(0)} chars on average`);
});

test('episodic and compact turns carry long summaries, and most tool results are JSON', () => {
  const summaries = messages.filter((r) => ['episodic', 'compact'].includes(r[M.indexOf('role')])).map(contentOf);
  assert.ok(summaries.length > 0);
  for (const s of summaries) assert.ok(s.startsWith('Summary of the conversation so far') && s.length >= LENGTHS.summary.minChars, s.slice(0, 80));
  const tools = messages.filter((r) => r[M.indexOf('role')] === 'tool' && r[M.indexOf('message_type')] === 'text').map(contentOf);
  const json = tools.filter((t) => {
    try {
      return typeof JSON.parse(t) === 'object';
    } catch {
      return false;
    }
  });
  assert.ok(json.length > tools.length * 0.7, `${json.length} of ${tools.length} tool results are JSON`);
});

test('the text is English: "the" is among its most common words, and no Latin lorem', () => {
  const words = messages
    .filter((r) => r[M.indexOf('role')] === 'assistant')
    .flatMap((r) => contentOf(r).toLowerCase().match(/[a-z]+/g) ?? []);
  const the = words.filter((w) => w === 'the').length / words.length;
  assert.ok(the > 0.03, `"the" is ${(the * 100).toFixed(1)} % of words`);
  for (const latin of ['lorem', 'ipsum', 'accendo', 'suscipio']) assert.not.ok(words.includes(latin), latin);
});

test.run();
