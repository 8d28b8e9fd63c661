/**
 * The generators' public face: one chunk of one group as COPY text pieces, and a whole
 * table as a stream (for `pgscale generate`).
 */
import { type GenContext, makeContext } from './context.ts';
import { conversations } from './conversations.ts';
import type { EnumStyle } from './enums.ts';
import { events } from './events.ts';
import { type Chunk, type DataParams, type Group, chunkPlan, deriveCounts } from './plan.ts';
import type { GeneratedPiece } from './piece.ts';
import { TABLES, type RowCounts, type TableName } from './tables.ts';
import { tasks } from './tasks.ts';
import { tenants } from './tenants.ts';
import { users } from './users.ts';

export { makeContext, type GenContext } from './context.ts';
export { chunkPlan, deriveCounts, GENERATOR_VERSION, type Chunk, type DataParams, type Group } from './plan.ts';
export { GeneratedPiece, type Piece } from './piece.ts';
export { TABLES, TABLE_NAMES, isTableName, type RowCounts, type TableName } from './tables.ts';

type ChunkGenerator = (ctx: GenContext, c: Chunk, tables: ReadonlySet<TableName>, counts: RowCounts) => Generator<GeneratedPiece>;

const BY_GROUP: Record<Group, ChunkGenerator> = { tenants, users, conversations, tasks, events };

/** The tables a group's chunks write, in the order their pieces come out. */
export const GROUP_TABLES: Record<Group, TableName[]> = {
  tenants: ['tenants', 'bots'],
  users: ['users'],
  conversations: ['message_history', 'user_sessions'],
  tasks: ['auto_tasks', 'task_approvals'],
  events: ['analytics_events'],
};

/**
 * Generate one chunk: its pieces grouped by table, in GROUP_TABLES order; counts filled at
 * the end. Release each piece once done with it (GeneratedPiece); stopping early gives the
 * generator's own buffers back.
 */
export function generateChunk(ctx: GenContext, c: Chunk, counts: RowCounts, tables: ReadonlySet<TableName> = new Set(GROUP_TABLES[c.group])): Generator<GeneratedPiece> {
  return BY_GROUP[c.group](ctx, c, tables, counts);
}

/**
 * Every row of one table, as COPY text buffers, for `pgscale generate TABLE --rows N`:
 * the data set whose table has N rows (message_history: scale N; other tables: the
 * smallest scale that yields at least N rows, cut at exactly N).
 */
export function* generateTable(table: TableName, rows: number, seed: number, months: number, style: EnumStyle): Generator<Buffer> {
  const params = scaleForRows(table, rows, seed, months);
  const ctx = makeContext(params, style);
  const group = TABLES[table].group;
  const only = new Set<TableName>([table]);
  let left = rows;
  for (const c of chunkPlan(params)) {
    if (c.group !== group) continue;
    for (const piece of generateChunk(ctx, c, {}, only)) {
      if (left <= 0) {
        piece.release();
        return;
      }
      let buf = piece.buf;
      // Count newlines to cut at exactly `rows` rows.
      let n = 0;
      let end = -1;
      for (let p = buf.indexOf(10); p >= 0; p = buf.indexOf(10, p + 1)) {
        n++;
        if (n === left) {
          end = p + 1;
          break;
        }
      }
      if (end >= 0) buf = buf.subarray(0, end);
      left -= end >= 0 ? left : n;
      // A copy, and the writer's buffer back to it at once: the reader (a stream to
      // stdout) holds buffers for as long as it likes, and would otherwise hold the row
      // kernel's slots (generators/buffer-pool.ts, SlotPool).
      const out = Buffer.from(buf);
      piece.release();
      yield out;
    }
  }
}

/** The data-set parameters under which `table` has at least `rows` rows. */
export function scaleForRows(table: TableName, rows: number, seed: number, months: number): DataParams {
  const per: Record<TableName, number> = {
    message_history: 1,
    user_sessions: 1 / 14,
    users: 1 / 40,
    tenants: 1 / 50_000,
    bots: 4 / 50_000,
    auto_tasks: 1 / 20,
    task_approvals: 1 / 120,
    analytics_events: 1 / 2,
  };
  let scale = Math.max(1, Math.ceil(rows / per[table]));
  if (table !== 'message_history') {
    // Derived counts have floors and random parts: grow until the table surely has enough.
    for (;;) {
      const c = deriveCounts({ scale, seed, months });
      const enough =
        table === 'tenants' ? c.tenants >= rows : table === 'bots' ? c.tenants * c.botsPerTenant >= rows : table === 'users' ? c.users >= rows : table === 'auto_tasks' ? c.tasks >= rows : table === 'analytics_events' ? c.events >= rows : true;
      if (enough) break;
      scale = Math.ceil(scale * 1.25);
    }
    if (table === 'user_sessions' || table === 'task_approvals') scale = Math.ceil(scale * 1.3);
  }
  return { scale, seed, months };
}
