/**
 * Who is who in a data set, as pure functions of the seed and an index: the ids of rows,
 * which user a session belongs to, which tenant a user belongs to, how popular each is.
 * The generators write rows with these, and the traffic workloads draw keys with them,
 * so every key a workload draws exists without asking the database. Kept apart from
 * context.ts so a workload can use them without building the generator's pools.
 */
import type { CopyWriter } from './copytext.ts';
import { Zipf } from './distributions.ts';
import type { Chunk, Counts } from './plan.ts';
import { fmix32, hash01, type Pair, permute64 } from './rng.ts';

/** Keys that separate the id spaces and random streams of each table. */
export const KEY = {
  user: 0x75736572,
  tenantOfUser: 0x74656e61,
  session: 0x73657373,
  sessionUser: 0x73757372,
  message: 0x6d657373,
  task: 0x7461736b,
  approval: 0x61707072,
  event: 0x6576656e,
  conversations: 0x636f6e76,
  content: 0x636f6e74,
  tasks: 0x7461736c,
  events: 0x65766e74,
  users: 0x75737273,
  tenants: 0x74656e74,
  userAttrs: 0x75617474,
  botProvider: 0x626f7470,
  prose: 0x70726f73,
  botPrompt: 0x626f7473,
} as const;

/** Zipf exponents: how concentrated activity is on the busiest users and tenants. */
export const SKEW = { users: 1.05, tenants: 1.3 } as const;

/** The popularity of users (by index) and tenants (by id - 1) in a data set. */
export interface Popularity {
  params: { seed: number };
  userZipf: Zipf;
  tenantZipf: Zipf;
}

/** The Zipf tables of a data set's counts. */
export function popularity(seed: number, counts: Pick<Counts, 'users' | 'tenants'>): Popularity {
  return { params: { seed }, userZipf: new Zipf(counts.users, SKEW.users), tenantZipf: new Zipf(counts.tenants, SKEW.tenants) };
}

/** A 128-bit id as four words; a and d come from a keyed bijection, so ids never collide. */
export type Id = [number, number, number, number];

const pair: Pair = { hi: 0, lo: 0 };

/** The Feistel key of a table's ids under a seed (the row kernel's `mixed` argument). */
export function idKey(seed: number, key: number): number {
  return (key ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
}

/** The id of row (hi, lo) of a table: unique for distinct (hi, lo) under one key. */
export function idFor(seed: number, key: number, hi: number, lo: number): Id {
  const { hi: a, lo: d } = permute64(hi, lo, idKey(seed, key), pair);
  return [a, middleB(a, d, key), middleC(a, d, key), d];
}

/** Write the id of row (hi, lo) straight into a COPY row: idFor without the array. */
export function writeId(w: CopyWriter, seed: number, key: number, hi: number, lo: number): void {
  const p = permute64(hi, lo, idKey(seed, key), pair);
  w.uuid(p.hi, middleB(p.hi, p.lo, key), middleC(p.hi, p.lo, key), p.lo);
}

// The middle words only need to look random: one finaliser each is enough.
function middleB(a: number, d: number, key: number): number {
  return fmix32((a ^ Math.imul(d, 0x85ebca6b) ^ key) >>> 0);
}

function middleC(a: number, d: number, key: number): number {
  return fmix32((d ^ Math.imul(a, 0xc2b2ae35) ^ key) >>> 0);
}

/** User u's tenant (1-based id): Zipf-skewed, a few tenants hold most users. */
export function tenantOfUser(ctx: Popularity, u: number): number {
  return 1 + ctx.tenantZipf.rank(hash01(ctx.params.seed, KEY.tenantOfUser, u));
}

/** The user of session i of conversation chunk k: Zipf-skewed, a few users have many sessions. */
export function userOfSession(ctx: Popularity, k: number, i: number): number {
  // Rank r is user index r; tenantOfUser hashes the index, so busy users spread over tenants.
  return ctx.userZipf.rank(hash01(ctx.params.seed, KEY.sessionUser, k, i));
}

/** Fewest sessions conversation chunk c can hold (messages per session are capped): safe to reference. */
export function safeSessions(c: Pick<Chunk, 'rows'>): number {
  return Math.max(1, Math.floor(c.rows / MAX_MESSAGES_PER_SESSION));
}

/** Longest session generated. */
export const MAX_MESSAGES_PER_SESSION = 400;
