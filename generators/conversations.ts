/**
 * user_sessions and message_history, generated together: a session's messages follow it
 * in time with increasing message_index, roles alternate user/assistant (with system and
 * tool turns), messages per session are log-normal, and session starts arrive as a
 * Poisson process over the traffic clock, so rows come out in time order within a
 * partition (the physical correlation BRIN depends on).
 */
import { CopyWriter, FLUSH_BYTES, releaseOutput } from './copytext.ts';
import { LOOP_DOUBLE, LOOP_WORD, PREFIX_BYTES } from './kernel-layout.ts';
import { DIST, type GenContext, KEY, MAX_MESSAGES_PER_SESSION, idKey, providerOfBot, systemPromptOfBot, userOfSession, writeId, writeUserRef } from './context.ts';
import type { Chunk } from './plan.ts';
import { LogNormal } from './distributions.ts';
import { Rng } from './rng.ts';
import { GeneratedPiece } from './piece.ts';
import type { RowCounts, TableName } from './tables.ts';

/** Messages per session: log-normal, median e^2 ≈ 7, mean ≈ 12 (a long tail of long chats). */
export const SESSION_LENGTH = { mu: 2.0, sigma: 1.0 } as const;
/** E[floor(X) + 1] for X log-normal: e^(mu + sigma²/2) + ½ (≈ 12.68; the cap at 400 moves it by < 0.01). */
const MEAN_LENGTH = Math.exp(SESSION_LENGTH.mu + SESSION_LENGTH.sigma ** 2 / 2) + 0.5;

const SESSION_LENGTH_DIST = new LogNormal(SESSION_LENGTH.mu, SESSION_LENGTH.sigma);

/**
 * Generate conversation chunk c. Yields message_history buffers as they fill, then the
 * chunk's user_sessions buffers (held until the end: ~1/12 of the rows).
 * @param tables which tables to encode; the random streams are identical either way.
 */
export function* conversations(ctx: GenContext, c: Chunk, tables: ReadonlySet<TableName>, counts: RowCounts): Generator<GeneratedPiece> {
  const { seed } = ctx.params;
  const wantMessages = tables.has('message_history');
  const wantSessions = tables.has('user_sessions');
  const pools = ctx.pools;
  const clock = ctx.monthClock(c.month);
  const rng = new Rng(seed, KEY.conversations, c.k);
  const crng = new Rng(seed, KEY.content, c.k);
  // Every row is written by the row kernel (a session's messages by its loop), into its slots.
  const K = ctx.kernel.calls;
  const { provider: providers, channel: channels, intent: intents, memoryType: memoryTypes, titles } = ctx.arena;
  const messageKey = idKey(seed, KEY.message);
  const mw = new CopyWriter(undefined, ctx.kernel.slots);
  const sw = new CopyWriter(undefined, ctx.kernel.slots);
  const sessionBufs: Buffer[] = [];
  // A scratch area in the kernel's memory: session_id, tenant_id, user_id (< 100 bytes),
  // where the kernel copies them from, then the message loop's state (kernel-layout.ts LOOP_WORD, LOOP_DOUBLE).
  const prefixArea = ctx.kernel.scratch();
  const prefix = new CopyWriter(prefixArea.subarray(0, PREFIX_BYTES));
  const stateAt = prefixArea.byteOffset + PREFIX_BYTES;
  const { words: loop, doubles: clockAt } = ctx.kernel.views(prefixArea.subarray(PREFIX_BYTES));

  let budget = c.rows;
  let mass = c.massFrom;
  // Messages never run past the generated span (they would land in the DEFAULT partition).
  const lastMs = ctx.spanEndMs - 1;
  let i = 0;
  let msgSeq = 0;
  let nMessages = 0;
  try {
    while (budget > 0) {
      // Poisson arrivals whose mean gap spreads the sessions still expected over the mass
      // still left, so a chunk's sessions fill its time slice without bunching at its end.
      mass += rng.exponential((c.massTo - mass) / (budget / MEAN_LENGTH + 1));
      const start = clock.at(Math.min(mass, c.massTo - 1e-12));
      let n = Math.floor(SESSION_LENGTH_DIST.at(rng.next())) + 1;
      if (n > MAX_MESSAGES_PER_SESSION) n = MAX_MESSAGES_PER_SESSION;
      if (n > budget) n = budget;
      budget -= n;

      const user = userOfSession(ctx, c.k, i);
      // Per-session prefix of every message row, and the start of the session's own row:
      // session_id, tenant_id, user_id.
      prefix.pos = 0;
      writeId(prefix, seed, KEY.session, c.k, i);
      prefix.tab();
      const tenant = writeUserRef(ctx, prefix, user);
      const preAt = prefix.base;
      const preLen = prefix.pos;
      const bot = (tenant - 1) * ctx.counts.botsPerTenant + 1 + rng.int(ctx.counts.botsPerTenant);
      const provider = providerOfBot(ctx, bot);
      const providerAt = providers.at[provider];
      const providerLen = providers.len[provider];
      const channel = DIST.channel.pick(rng.next());
      const intent = DIST.intent.pick(rng.next());
      const memory = DIST.memoryType.pick(rng.next());
      const hasSystem = rng.chance(0.08);

      // The session's messages, written (or, for user_sessions alone, only drawn) by the
      // kernel's loop: roles, gaps and content from the same two streams as the rest of
      // the chunk, handed over in its state block and taken back after.
      rng.saveTo(loop, LOOP_WORD.rng);
      crng.saveTo(loop, LOOP_WORD.crng);
      loop[LOOP_WORD.next] = 0; // the session's first message
      loop[LOOP_WORD.prevRole] = 0;
      loop[LOOP_WORD.seq] = msgSeq;
      clockAt[LOOP_DOUBLE.clock] = start;
      for (;;) {
        mw.pos =
          K.messages({
            out: mw.base + mw.pos,
            full: mw.base + FLUSH_BYTES,
            state: stateAt,
            tables: ctx.messageTables,
            prefix: preAt,
            prefixLen: preLen,
            chunk: c.k,
            mixed: messageKey,
            key: KEY.message,
            count: n,
            system: hasSystem ? 1 + systemPromptOfBot(ctx, bot) : 0,
            write: wantMessages ? 1 : 0,
            provider: providerAt,
            providerLen,
            lastMs,
          }) - mw.base;
        if (mw.full) yield new GeneratedPiece('message_history', mw.take());
        if (loop[LOOP_WORD.next] >= n) break;
      }
      rng.loadFrom(loop, LOOP_WORD.rng);
      crng.loadFrom(loop, LOOP_WORD.crng);
      msgSeq = loop[LOOP_WORD.seq];
      const t = clockAt[LOOP_DOUBLE.clock];
      nMessages += n;

      if (wantSessions) {
        const title = rng.chance(0.1) ? -1 : rng.int(pools.titles.length);
        sw.pos =
          K.session({
            out: sw.base + sw.pos,
            prefix: preAt,
            prefixLen: preLen,
            bot,
            channel: channels.at[channel],
            channelLen: channels.len[channel],
            intent: intents.at[intent],
            intentLen: intents.len[intent],
            memoryType: memoryTypes.at[memory],
            memoryTypeLen: memoryTypes.len[memory],
            title: title < 0 ? 0 : titles.at[title],
            titleLen: title < 0 ? 0 : titles.len[title],
            messages: n,
            start,
            end: t,
          }) - sw.base;
        if (sw.full) sessionBufs.push(sw.take());
      } else {
        // Same draws as the branch above, so the stream stays aligned.
        if (!rng.chance(0.1)) rng.int(pools.titles.length);
      }
      i++;
    }
    const lastMessages = mw.done();
    if (lastMessages) yield new GeneratedPiece('message_history', lastMessages);
    const lastSessions = sw.done();
    if (lastSessions) sessionBufs.push(lastSessions);
    while (sessionBufs.length > 0) yield new GeneratedPiece('user_sessions', sessionBufs.shift()!);
  } finally {
    // A reader that stops early (return()) gets here from a yield: the buffers not handed
    // over go back, or they would be lost for the life of the context.
    ctx.kernel.releaseScratch(prefixArea);
    mw.discard();
    sw.discard();
    for (const buf of sessionBufs) releaseOutput(buf);
  }
  if (wantMessages) counts.message_history = (counts.message_history ?? 0) + nMessages;
  if (wantSessions) counts.user_sessions = (counts.user_sessions ?? 0) + i;
}
