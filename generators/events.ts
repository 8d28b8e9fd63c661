/** analytics_events: product analytics in time order within each month, monthly partitioned. */
import { CopyWriter } from './copytext.ts';
import { DIST, EVENT_TYPES, type GenContext, KEY, sessionNear, userOfSession, writeId, writeUserRef } from './context.ts';
import type { Chunk } from './plan.ts';
import { Rng } from './rng.ts';
import type { Piece, RowCounts, TableName } from './tables.ts';

const TYPE_BYTES = EVENT_TYPES.map((t) => Buffer.from(t));

/** Generate events [c.first, c.first + c.rows); ids are c.first + i + 1. */
export function* events(ctx: GenContext, c: Chunk, tables: ReadonlySet<TableName>, counts: RowCounts): Generator<Piece> {
  if (!tables.has('analytics_events')) return;
  const { seed } = ctx.params;
  const rng = new Rng(seed, KEY.events, c.k);
  const clock = ctx.monthClock(c.month);
  const props = ctx.pools.eventProperties;
  const w = new CopyWriter();
  const width = c.massTo - c.massFrom;
  const near = { hi: 0, lo: 0 };
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
    w.int(c.first + i + 1);
    w.tab();
    writeUserRef(ctx, w, user);
    if (sk >= 0) writeId(w, seed, KEY.session, sk, si);
    else w.nil();
    w.tab();
    w.raw(TYPE_BYTES[DIST.eventType.pick(rng.next())]);
    w.tab();
    w.raw(ctx.enumBytes.channel[DIST.channel.pick(rng.next())]);
    w.tab();
    w.raw(props[rng.int(props.length)].bytes);
    w.tab();
    w.timestamp(t);
    w.nl();
    if (w.full) yield { table: 'analytics_events', buf: w.take() };
  }
  const last = w.done();
  if (last) yield { table: 'analytics_events', buf: last };
  counts.analytics_events = (counts.analytics_events ?? 0) + c.rows;
}
