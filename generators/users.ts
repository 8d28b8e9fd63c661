/** users: end users of the tenants' bots; attributes are pure functions of the user index. */
import { SPAN_START_MS } from './calendar.ts';
import { CopyWriter } from './copytext.ts';
import { DIST, type GenContext, KEY, idFor, tenantOfUser } from './context.ts';
import type { Chunk } from './plan.ts';
import { Rng } from './rng.ts';
import { GeneratedPiece } from './piece.ts';
import type { RowCounts, TableName } from './tables.ts';

const DAY = 86_400_000;

/** Generate users [c.first, c.first + c.rows). */
export function* users(ctx: GenContext, c: Chunk, tables: ReadonlySet<TableName>, counts: RowCounts): Generator<GeneratedPiece> {
  if (!tables.has('users')) return;
  const { seed } = ctx.params;
  const { pools } = ctx;
  const E = ctx.enumBytes;
  const rng = new Rng(seed, KEY.users, c.k);
  const w = new CopyWriter();
  const span = ctx.spanEndMs - SPAN_START_MS;
  for (let u = c.first; u < c.first + c.rows; u++) {
    const id = idFor(seed, KEY.user, 0, u);
    w.uuid(id[0], id[1], id[2], id[3]);
    w.tab();
    w.int(tenantOfUser(ctx, u));
    w.tab();
    w.text(`ext-${u.toString(36)}`);
    w.tab();
    w.raw(pools.personNames[rng.int(pools.personNames.length)].bytes);
    w.tab();
    if (rng.chance(0.3)) w.nil();
    else w.raw(pools.emails[rng.int(pools.emails.length)].bytes);
    w.tab();
    w.raw(E.channel[DIST.channel.pick(rng.next())]);
    w.tab();
    w.raw(pools.locales[rng.int(pools.locales.length)].bytes);
    w.tab();
    w.raw(E.sync_status[DIST.syncStatus.pick(rng.next())]);
    w.tab();
    w.timestamp(SPAN_START_MS - rng.next() * 365 * DAY);
    w.tab();
    if (rng.chance(0.05)) w.nil();
    else w.timestamp(SPAN_START_MS + rng.next() * span);
    w.nl();
    if (w.full) yield new GeneratedPiece('users', w.take());
  }
  const last = w.done();
  if (last) yield new GeneratedPiece('users', last);
  counts.users = (counts.users ?? 0) + c.rows;
}
