/** analytics_events: product analytics in time order within each month, monthly partitioned. */
import { CopyWriter } from './copytext.ts';
import { DIST, type GenContext, KEY, idKey, sessionNear, userOfSession, writeUserRef } from './context.ts';
import type { Chunk } from './plan.ts';
import { Rng } from './rng.ts';
import { GeneratedPiece } from './piece.ts';
import type { RowCounts, TableName } from './tables.ts';

/** Generate events [c.first, c.first + c.rows); ids are c.first + i + 1. */
export function* events(ctx: GenContext, c: Chunk, tables: ReadonlySet<TableName>, counts: RowCounts): Generator<GeneratedPiece> {
  if (!tables.has('analytics_events')) return;
  const { seed } = ctx.params;
  const rng = new Rng(seed, KEY.events, c.k);
  const clock = ctx.monthClock(c.month);
  const props = ctx.pools.eventProperties;
  // Everything after user_id is written by the row kernel, into its slots.
  const K = ctx.kernel.calls;
  const { eventType: types, channel: channels, eventProperties: properties } = ctx.arena;
  const sessionKey = idKey(seed, KEY.session);
  const refs = ctx.userRefs;
  const w = new CopyWriter(undefined, ctx.kernel.slots);
  const width = c.massTo - c.massFrom;
  const near = { hi: 0, lo: 0 };
  try {
    for (let i = 0; i < c.rows; i++) {
      const t = clock.at(c.massFrom + ((i + rng.next()) / c.rows) * width);
      let user: number;
      let sk = -1;
      let si = 0;
      if (rng.chance(0.7)) {
        const s = sessionNear(ctx, t, rng.next(), near);
        sk = s.hi;
        si = s.lo;
        user = userOfSession(ctx, sk, si);
      } else {
        user = ctx.userZipf.rank(rng.next());
      }
      const type = DIST.eventType.pick(rng.next());
      const channel = DIST.channel.pick(rng.next());
      const prop = rng.int(props.length);
      const session = sk >= 0 ? 1 : 0;
      const id = c.first + i + 1;
      // The whole row in one call when the user's reference is cached (most rows), else
      // event_id and the reference here, and the rest in the kernel. The kernel takes the
      // id as a uint32: past 2^32 events (a scale above 8.6e9) JS writes it.
      let end =
        id > 0xffffffff
          ? 0
          : K.event({
              out: w.base + w.pos,
              id,
              cache: refs.address,
              cacheMask: refs.mask,
              cacheStride: refs.stride,
              user,
              session,
              hi: sk,
              lo: si,
              mixed: sessionKey,
              key: KEY.session,
              type: types.at[type],
              typeLen: types.len[type],
              channel: channels.at[channel],
              channelLen: channels.len[channel],
              props: properties.at[prop],
              propsLen: properties.len[prop],
              t,
            });
      if (end === 0) {
        w.int(id);
        w.tab();
        writeUserRef(ctx, w, user);
        end = K.eventTail({
          out: w.base + w.pos,
          session,
          hi: sk,
          lo: si,
          mixed: sessionKey,
          key: KEY.session,
          type: types.at[type],
          typeLen: types.len[type],
          channel: channels.at[channel],
          channelLen: channels.len[channel],
          props: properties.at[prop],
          propsLen: properties.len[prop],
          t,
        });
      }
      w.pos = end - w.base;
      if (w.full) yield new GeneratedPiece('analytics_events', w.take());
    }
    const last = w.done();
    if (last) yield new GeneratedPiece('analytics_events', last);
  } finally {
    w.discard(); // a reader that stopped early: the writer's slot goes back
  }
  counts.analytics_events = (counts.analytics_events ?? 0) + c.rows;
}
