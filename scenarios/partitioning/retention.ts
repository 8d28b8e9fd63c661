/**
 * partitioning's writes: retention of the oldest copied month (DROP of its partition vs
 * DELETE + VACUUM of its rows; DETACH … CONCURRENTLY of the next month), each step timed
 * with the WAL it wrote, and the DEFAULT partition's catch of rows past the created months.
 */
import type pg from 'pg';
import { explain, scannedRelations } from '../../bench/explain.ts';
import { tableSizes } from '../../bench/sizes.ts';
import { qualified, quoteIdent } from '../../db/quote.ts';
import { fill, namedStatements, readSql, statement } from '../sql.ts';
import { type Prepared, addMonths } from './index.ts';

const sql = namedStatements(readSql(import.meta.url, 'retention.sql'));
const querySql = namedStatements(readSql(import.meta.url, 'queries.sql'));

/** Rows written past the copied months, per month, for the DEFAULT experiment. */
export const SHIFTED_ROWS = 1000;
const PARENT = 'message_history';
const FLAT = 'message_history_flat';
const DEFAULT_PARTITION = 'message_history_default';

/** One step's wall time (s) and the WAL it wrote (bytes). */
export interface Step {
  seconds: number;
  walBytes: number;
}

/** A refused statement: what the server said. */
export interface Refusal {
  sqlstate?: string;
  message: string;
}

export interface Retention {
  /** Rows of the oldest month removed. */
  rows: number;
  /** The whole removal of the oldest month: DROP, or DELETE + VACUUM. */
  total: Step;
  drop?: Step;
  delete?: Step;
  vacuum?: Step;
  /** Partitioned only: DETACH … CONCURRENTLY + DROP of the next month. */
  detach?: { rows: number; step: Step; refusedWithDefault?: Refusal };
  /** Total bytes (heap, TOAST, indexes) before and after removing the oldest month. */
  bytesBefore: number;
  bytesAfter: number;
}

export interface DefaultCatch {
  /** create_monthly_partition() for the month after the copy, before any row of it. */
  aheadSeconds: number;
  aheadPartition: string;
  /** Rows written into that month: in its own partition. */
  aheadRows: number;
  /** Rows written into the month after it, which has no partition: in DEFAULT. */
  defaultRows: number;
  /** create_monthly_partition() for that month once DEFAULT holds its rows. */
  lateCreate: { refused?: Refusal; partition?: string };
  /** Relations a day's range in the DEFAULT-held month scans. */
  scannedForLateMonth: string[];
}

/** Time `fn` and measure the WAL inserted meanwhile. */
async function step(client: pg.Client, fn: () => Promise<unknown>): Promise<Step> {
  const before = (await client.query<{ lsn: string }>(statement(sql, 'wal-position'))).rows[0].lsn;
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  const after = (await client.query<{ lsn: string }>(statement(sql, 'wal-position'))).rows[0].lsn;
  const walBytes = Number((await client.query<{ bytes: string }>(statement(sql, 'wal-bytes'), [before, after])).rows[0].bytes);
  return { seconds, walBytes };
}

/** The partition create_monthly_partition() names for the month starting at `monthIso` (UTC). */
export function partitionName(monthIso: string): string {
  return `${PARENT}_${monthIso.slice(0, 4)}_${monthIso.slice(5, 7)}`;
}

async function totalBytes(client: pg.Client, schema: string, table: string): Promise<number> {
  return (await tableSizes(client, schema, table)).find((s) => s.kind === 'total')?.bytes ?? 0;
}

async function rowsOf(client: pg.Client, schema: string, partition: string): Promise<number> {
  return Number((await client.query<{ n: string }>(fill(statement(sql, 'rows-in-partition'), { partition: qualified(schema, partition) }))).rows[0].n);
}

/** The statement's refusal, or undefined when it ran; anything but a server error is rethrown. */
export async function refusal(fn: () => Promise<unknown>): Promise<Refusal | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (typeof e.code !== 'string') throw err;
    return { sqlstate: e.code, message: e.message ?? String(err) };
  }
}

/** Partitioned: DROP the oldest month; then DETACH … CONCURRENTLY and DROP the next. */
export async function retainPartitioned(client: pg.Client, schema: string, p: Prepared): Promise<Retention> {
  const parent = qualified(schema, PARENT);
  const oldest = partitionName(p.months[0]);
  const bytesBefore = await totalBytes(client, schema, PARENT);
  const rows = await rowsOf(client, schema, oldest);
  const drop = await step(client, () => client.query(fill(statement(sql, 'drop'), { partition: qualified(schema, oldest) })));
  const bytesAfter = await totalBytes(client, schema, PARENT);

  let detach: Retention['detach'];
  if (p.months.length > 2) {
    const next = partitionName(p.months[1]);
    const nextQ = qualified(schema, next);
    const detachSql = fill(statement(sql, 'detach-concurrently'), { table: parent, partition: nextQ });
    const detachRows = await rowsOf(client, schema, next);
    // Refused while the table has a DEFAULT partition (ALTER TABLE … DETACH PARTITION … CONCURRENTLY):
    // the DEFAULT is detached for the measurement and attached again after it.
    const refusedWithDefault = await refusal(() => client.query(detachSql));
    const defaultQ = qualified(schema, DEFAULT_PARTITION);
    let measured: Step;
    if (refusedWithDefault) {
      await client.query(fill(statement(sql, 'detach-default'), { table: parent, partition: defaultQ }));
      measured = await step(client, async () => {
        await client.query(detachSql);
        await client.query(fill(statement(sql, 'drop'), { partition: nextQ }));
      });
      await client.query(fill(statement(sql, 'attach-default'), { table: parent, partition: defaultQ }));
    } else {
      // It ran (a server that allows it with a DEFAULT): the detach is done, only the DROP is left to time.
      measured = await step(client, () => client.query(fill(statement(sql, 'drop'), { partition: nextQ })));
    }
    detach = { rows: detachRows, step: measured, refusedWithDefault };
  }
  return { rows, total: drop, drop, detach, bytesBefore, bytesAfter };
}

/** Unpartitioned: DELETE the oldest month's rows, then VACUUM. */
export async function retainUnpartitioned(client: pg.Client, schema: string, p: Prepared): Promise<Retention> {
  const table = qualified(schema, FLAT);
  const range = [p.months[0], p.months[1] ?? p.end];
  const bytesBefore = await totalBytes(client, schema, FLAT);
  let rows = 0;
  const del = await step(client, async () => {
    rows = (await client.query(fill(statement(sql, 'delete'), { table }), range)).rowCount ?? 0;
  });
  const vacuum = await step(client, () => client.query(fill(statement(sql, 'vacuum'), { table })));
  const bytesAfter = await totalBytes(client, schema, FLAT);
  return { rows, total: { seconds: del.seconds + vacuum.seconds, walBytes: del.walBytes + vacuum.walBytes }, delete: del, vacuum, bytesBefore, bytesAfter };
}

/**
 * create_monthly_partition() for the month after the copy, ahead of its rows; then rows
 * for that month and for the one after it, which has no partition and lands in DEFAULT.
 */
export async function catchInDefault(client: pg.Client, schema: string, p: Prepared): Promise<DefaultCatch> {
  const parent = qualified(schema, PARENT);
  const create = fill(statement(sql, 'create-partition'), { schema: quoteIdent(schema) });
  const insert = fill(statement(sql, 'insert-shifted'), { table: parent });
  const last = p.months[p.months.length - 1];
  let aheadPartition = '';
  const ahead = await step(client, async () => {
    aheadPartition = (await client.query<{ name: string }>(create, [p.end.slice(0, 10)])).rows[0].name;
  });
  await client.query(insert, [SHIFTED_ROWS, '1 month', last, p.end]);
  await client.query(insert, [SHIFTED_ROWS, '2 months', last, p.end]);
  const aheadRows = await rowsOf(client, schema, aheadPartition);
  const defaultRows = await rowsOf(client, schema, DEFAULT_PARTITION);
  const lateMonth = addMonths(p.end, 1);
  let partition: string | undefined;
  const refused = await refusal(async () => {
    partition = (await client.query<{ name: string }>(create, [lateMonth.slice(0, 10)])).rows[0].name;
  });
  const dayEnd = new Date(new Date(lateMonth).getTime() + 86_400_000).toISOString();
  const plan = await explain(client, fill(statement(querySql, 'range'), { table: parent }), [lateMonth, dayEnd], { analyze: false });
  return { aheadSeconds: ahead.seconds, aheadPartition, aheadRows, defaultRows, lateCreate: { refused, partition }, scannedForLateMonth: scannedRelations(plan.plan) };
}
