/**
 * Splitting generated COPY text by shard: each row goes to the shard of its tenant
 * (db/placement.ts). Rows are cut at their newline and read only as far as the tenant
 * column; COPY text escapes tabs and newlines inside values (PostgreSQL docs, COPY, "Text
 * Format"), so a raw 0x09 or 0x0A byte is always a separator. The bytes of each row are
 * kept as they are and in their order, so the shards' union is the single-server load.
 */
import { TABLES, type TableName } from '../generators/index.ts';

const TAB = 9;
const NL = 10;

/** Position of the tenant column in each table's COPY column order (`id` for tenants). */
export const TENANT_COLUMN: Record<TableName, number> = Object.fromEntries(
  (Object.keys(TABLES) as TableName[]).map((t) => {
    const columns: readonly string[] = TABLES[t].columns;
    const at = columns.indexOf(t === 'tenants' ? 'id' : 'tenant_id');
    if (at < 0) throw new Error(`table ${t} has no tenant column`);
    return [t, at];
  }),
) as Record<TableName, number>;

/** One shard's share of a buffer: its bytes and how many rows they hold. */
export interface ShardShare {
  buf: Buffer;
  rows: number;
}

/**
 * Cut a buffer of whole COPY rows of `table` into one share per shard. `placement` maps a
 * tenant id to its shard (placementTable). A share with no rows is undefined; a buffer
 * whose rows all go to one shard is handed on as it is (not copied).
 */
export function splitRows(table: TableName, buf: Buffer, placement: Int32Array, shards: number): Array<ShardShare | undefined> {
  const column = TENANT_COLUMN[table];
  // Runs of consecutive rows bound for one shard: [shard, start, end] triples.
  const runs: number[] = [];
  const rows = new Array<number>(shards).fill(0);
  let p = 0;
  while (p < buf.length) {
    let q = p;
    for (let c = 0; c < column; c++) q = buf.indexOf(TAB, q) + 1;
    let tenant = 0;
    for (let ch = buf[q]; ch >= 48 && ch <= 57; ch = buf[++q]) tenant = tenant * 10 + (ch - 48);
    const shard = placement[tenant] ?? -1;
    if (q === p || shard < 0) throw new Error(`${table}: a row's tenant ${tenant} has no place among ${placement.length - 1} tenants`);
    const end = buf.indexOf(NL, q) + 1;
    if (end === 0) throw new Error(`${table}: a buffer ends inside a row`);
    rows[shard]++;
    const last = runs.length - 3;
    if (last >= 0 && runs[last] === shard && runs[last + 2] === p) runs[last + 2] = end;
    else runs.push(shard, p, end);
    p = end;
  }
  const out = new Array<ShardShare | undefined>(shards);
  if (runs.length === 3) {
    out[runs[0]] = { buf, rows: rows[runs[0]] };
    return out;
  }
  for (let s = 0; s < shards; s++) {
    if (!rows[s]) continue;
    let bytes = 0;
    for (let r = 0; r < runs.length; r += 3) if (runs[r] === s) bytes += runs[r + 2] - runs[r + 1];
    const share = Buffer.allocUnsafeSlow(bytes);
    let at = 0;
    for (let r = 0; r < runs.length; r += 3) if (runs[r] === s) at += buf.copy(share, at, runs[r + 1], runs[r + 2]);
    out[s] = { buf: share, rows: rows[s] };
  }
  return out;
}
