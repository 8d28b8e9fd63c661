/**
 * Where a tenant lives in a sharded target: shard = hashint8extended(tenant_id, 0) mod N,
 * taken non-negative. hashint8extended is PostgreSQL's own 64-bit hash of a bigint (the
 * hash behind hash indexes and hash partitioning, src/backend/access/hash/hashfunc.c), so
 * anyone can check a placement on the server:
 *
 *   SELECT ((hashint8extended(tenant_id, 0) % N) + N) % N FROM … -- = this shard's index
 *
 * The JavaScript below mirrors it bit for bit (test/integration/shard-placement.test.ts
 * compares the two on a real server). A hash rather than ranges keeps placement stable
 * for any tenant count and needs no table of boundaries; changing N moves tenants, which
 * is why the layout is recorded in every shard's _pgscale_meta and a load into a schema
 * made under another layout is refused.
 */

/** How placement is written in `_pgscale_meta` and results files. */
export const PLACEMENT = 'hashint8extended(tenant_id, 0) mod shards';

/** One shard's place in a layout, as recorded in its `_pgscale_meta` params. */
export interface ShardPosition {
  /** 0-based index of this shard. */
  index: number;
  count: number;
  placement: typeof PLACEMENT;
}

const rot = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/**
 * hash_uint32_extended(k, 0) of hashfunc.c: Bob Jenkins' lookup3 final mix of one word
 * (a = b = c = 0x9e3779b9 + sizeof(uint32) + 3923095), returned as the signed 64-bit
 * (b << 32 | c).
 */
function hashUint32Extended(k: number): bigint {
  let a = (0x9e3779b9 + 4 + 3923095) >>> 0;
  let b = a;
  let c = a;
  a = (a + k) >>> 0;
  c = ((c ^ b) - rot(b, 14)) >>> 0;
  a = ((a ^ c) - rot(c, 11)) >>> 0;
  b = ((b ^ a) - rot(a, 25)) >>> 0;
  c = ((c ^ b) - rot(b, 16)) >>> 0;
  a = ((a ^ c) - rot(c, 4)) >>> 0;
  b = ((b ^ a) - rot(a, 14)) >>> 0;
  c = ((c ^ b) - rot(b, 24)) >>> 0;
  return BigInt.asIntN(64, (BigInt(b) << 32n) | BigInt(c));
}

/**
 * hashint8extended(value, 0): a bigint that fits in 32 bits hashes like the int4 of the
 * same value (hashfunc.c folds the high word into the low one, inverted for negatives),
 * so int4 and int8 keys agree.
 */
export function hashint8extended(value: bigint): bigint {
  const v = BigInt.asIntN(64, value);
  const lo = Number(BigInt.asUintN(32, v));
  const hi = Number(BigInt.asUintN(32, v >> 32n));
  return hashUint32Extended((v >= 0n ? lo ^ hi : lo ^ ~hi) >>> 0);
}

/** The 0-based shard of a tenant among `count` shards. */
export function shardOf(tenantId: number, count: number): number {
  if (count === 1) return 0;
  const n = BigInt(count);
  return Number(((hashint8extended(BigInt(tenantId)) % n) + n) % n);
}

/** The tenant-to-shard map of tenants 1..tenants (the generator's ids), memoised per call site. */
export function placementTable(tenants: number, count: number): Int32Array {
  const out = new Int32Array(tenants + 1).fill(-1);
  for (let t = 1; t <= tenants; t++) out[t] = shardOf(t, count);
  return out;
}
