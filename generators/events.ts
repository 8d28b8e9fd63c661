/** analytics_events: product analytics in time order within each month, monthly partitioned. */
import { CopyWriter } from './copytext.ts';
import { DIST, EVENT_TYPES, type GenContext, KEY, idFor, sessionNear, tenantOfUser, userOfSession } from './context.ts';
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
  for (let i = 0; i < c.rows; i++) {
    const t = clock.at(c.massFrom + ((i + rng.next()) / c.rows) * width);
    let user: number;
    let session: ReturnType<typeof idFor> | undefined;
    if (rng.chance(0.7)) {
      const s = sessionNear(ctx, t, rng.next());
      session = idFor(seed, KEY.session, s.k, s.i);
      user = userOfSession(ctx, s.k, s.i);
    } else {
      user = ctx.userZipf.rank(rng.next());
    }
    const uid = idFor(seed, KEY.user, 0, user);
    w.int(c.first + i + 1);
    w.tab();
    w.int(tenantOfUser(ctx, user));
    w.tab();
    w.uuid(uid[0], uid[1], uid[2], uid[3]);
    w.tab();
    if (session) w.uuid(session[0], session[1], session[2], session[3]);
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
  if (w.pos) yield { table: 'analytics_events', buf: w.take() };
  counts.analytics_events = (counts.analytics_events ?? 0) + c.rows;
}
