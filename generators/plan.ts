/**
 * The chunk plan: how many rows of each table a scale means, and how the data set is cut
 * into numbered chunks. Chunk k of a group is a pure function of (seed, scale, months, k),
 * which is what makes loads deterministic, parallel and resumable.
 */
import { apportion } from './distributions.ts';
import { monthWeight } from './calendar.ts';

/** Bump when generated content changes: a loaded data set is reused only on a match. */
export const GENERATOR_VERSION = 5;

export interface DataParams {
  /** Number of message_history rows. */
  scale: number;
  seed: number;
  /** Months of history, starting 2025-01. */
  months: number;
}

/** Rows per table derived from the scale (messages), in stated ratios. */
export interface Counts {
  messages: number;
  tenants: number;
  botsPerTenant: number;
  users: number;
  tasks: number;
  events: number;
}

/** Stated ratios (README): about 12 messages a session, 40 a user, one task per 20 messages, one event per 2. */
export function deriveCounts(p: DataParams): Counts {
  return {
    messages: p.scale,
    tenants: Math.max(3, Math.round(p.scale / 50_000)),
    botsPerTenant: 4,
    users: Math.max(10, Math.round(p.scale / 40)),
    tasks: Math.max(1, Math.round(p.scale / 20)),
    events: Math.max(1, Math.round(p.scale / 2)),
  };
}

export type Group = 'tenants' | 'users' | 'conversations' | 'tasks' | 'events';

/** One unit of loading: one transaction, one load-log row. */
export interface Chunk {
  group: Group;
  /** Index within the group. */
  k: number;
  /** Rows of the group's main table in this chunk (messages for conversations). */
  rows: number;
  /** First row index of the group's main table in this chunk (users, tasks). */
  first: number;
  /** Time slice: month index and mass range within that month (conversations, events), or of the whole span (tasks). */
  month: number;
  massFrom: number;
  massTo: number;
}

/** Target rows in one chunk: large enough to amortise a transaction, small enough to resume cheaply. */
export const CHUNK_ROWS: Record<Group, number> = {
  tenants: Number.MAX_SAFE_INTEGER,
  users: 200_000,
  conversations: 100_000,
  tasks: 100_000,
  events: 200_000,
};

function timeSliced(group: Group, total: number, months: number): Chunk[] {
  const perMonth = apportion(total, Array.from({ length: months }, (_, m) => monthWeight(m, months)));
  const chunks: Chunk[] = [];
  let first = 0;
  perMonth.forEach((n, month) => {
    if (n === 0) return;
    const slices = Math.ceil(n / CHUNK_ROWS[group]);
    const sizes = apportion(n, Array(slices).fill(1));
    sizes.forEach((rows, j) => {
      chunks.push({ group, k: chunks.length, rows, first, month, massFrom: j / slices, massTo: (j + 1) / slices });
      first += rows;
    });
  });
  return chunks;
}

function counted(group: Group, total: number): Chunk[] {
  const n = Math.max(1, Math.ceil(total / CHUNK_ROWS[group]));
  const sizes = apportion(total, Array(n).fill(1));
  let first = 0;
  return sizes.map((rows, k) => {
    const c: Chunk = { group, k, rows, first, month: -1, massFrom: k / n, massTo: (k + 1) / n };
    first += rows;
    return c;
  });
}

/** Every chunk of every group, in load order (small reference tables first). */
export function chunkPlan(p: DataParams): Chunk[] {
  const c = deriveCounts(p);
  return [
    ...counted('tenants', c.tenants),
    ...counted('users', c.users),
    ...timeSliced('conversations', c.messages, p.months),
    ...counted('tasks', c.tasks),
    ...timeSliced('events', c.events, p.months),
  ];
}
