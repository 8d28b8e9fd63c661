/**
 * The client half of a cross-shard query: each shard answers for its own tenants, and the
 * client merges the answers into the one a single server would give. Both questions split
 * cleanly by tenant (a user belongs to one tenant, a day's count is a sum), which is what
 * lets the merge be exact: any other question (a global median, a distinct count across
 * tenants) would need more than this.
 */

/** A user and their message count, as the queries return them (counts as text: bigint). */
export interface UserCount {
  user_id: string;
  messages: string;
}

/** A UTC day (`YYYY-MM-DD`) and its message count. */
export interface DayCount {
  day: string;
  messages: string;
}

/**
 * The global top `limit` users from each shard's own top `limit`: the same order as the
 * SQL (count descending, then user_id). uuid text in lower-case hex sorts as PostgreSQL
 * sorts the uuid bytes, so plain string comparison breaks ties the same way.
 */
export function mergeTopUsers(perShard: ReadonlyArray<readonly UserCount[]>, limit: number): UserCount[] {
  const all = perShard.flat();
  all.sort((a, b) => {
    const d = BigInt(b.messages) - BigInt(a.messages);
    if (d !== 0n) return d > 0n ? 1 : -1;
    return a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0;
  });
  return all.slice(0, limit);
}

/** Per-day counts summed over the shards, in day order. */
export function mergeDaily(perShard: ReadonlyArray<readonly DayCount[]>): DayCount[] {
  const sums = new Map<string, bigint>();
  for (const rows of perShard) for (const r of rows) sums.set(r.day, (sums.get(r.day) ?? 0n) + BigInt(r.messages));
  return [...sums.keys()].sort().map((day) => ({ day, messages: String(sums.get(day)) }));
}
