/**
 * maintenance's operations, measured two ways. Timed: the operation alone, its wall time
 * and the WAL inserted meanwhile. Observed: the operation again, started while another
 * transaction holds a snapshot and has read the table (a long report, an idle-in-
 * transaction client), so it must wait; while it waits, a second connection lists the
 * relation locks it holds or awaits (pg_locks) and tries a read and a rolled-back write
 * under a short lock_timeout: what the table's users meet while the operation runs.
 * Lock levels: https://www.postgresql.org/docs/current/explicit-locking.html
 */
import type pg from 'pg';
import type { Target } from '../../db/target.ts';
import { fill, namedStatements, readSql, statement } from '../sql.ts';
import { type Refusal, refusal } from '../partitioning/retention.ts';

export type { Refusal };

const sql = namedStatements(readSql(import.meta.url, 'queries.sql'));

/** How long a probe waits for its lock before it counts as blocked. */
export const PROBE_LOCK_TIMEOUT_MS = 500;
/** How long the observed operation may take to start waiting before the observation gives up. */
const WAIT_START_MS = 10_000;
const LOCK_NOT_AVAILABLE = '55P03';

/** One timed run: wall time (s) and the WAL inserted meanwhile (bytes). */
export interface Timed {
  seconds: number;
  walBytes: number;
}

export interface HeldLock {
  relation: string;
  /** pg_class.relkind: r table, p partitioned table, i index, I partitioned index. */
  kind?: string;
  mode: string;
  granted: boolean;
}

/** What a concurrent reader and writer met while the operation waited behind an open transaction. */
export interface Observed {
  /** The operation was seen waiting behind the open transaction. */
  waited: boolean;
  /** It was still running when the probes ended: they met it (else they say nothing about it). */
  probedWhileRunning: boolean;
  /** pg_stat_activity's wait event of the operation while it waited, e.g. Lock/relation. */
  waitEvent?: string;
  locks: HeldLock[];
  readBlocked: boolean;
  writeBlocked: boolean;
}

/** Time `fn` and measure the WAL inserted meanwhile (the whole server's). */
export async function timed(client: pg.Client, fn: () => Promise<unknown>): Promise<Timed> {
  const before = (await client.query<{ lsn: string }>(statement(sql, 'wal-position'))).rows[0].lsn;
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  const after = (await client.query<{ lsn: string }>(statement(sql, 'wal-position'))).rows[0].lsn;
  const walBytes = Number((await client.query<{ bytes: string }>(statement(sql, 'wal-bytes'), [before, after])).rows[0].bytes);
  return { seconds, walBytes };
}

/** True when `fn` gave up on its lock (lock_timeout); any other failure is rethrown. */
async function blocked(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === LOCK_NOT_AVAILABLE) return true;
    throw err;
  }
}

/**
 * Run `operation` while an open REPEATABLE READ transaction that has read `table` holds
 * its locks and snapshot; observe the operation's locks and probe a read and a write of
 * the session `sessionId` meanwhile; then end the transaction and let the operation finish.
 */
export async function observe(target: Target, monitor: pg.Client, opts: { table: string; sessionId: string; operation: string }): Promise<Observed> {
  const frag = { table: opts.table };
  const holder = await target.connect();
  const worker = await target.connect();
  const prober = await target.connect();
  let holding = false;
  let running: Promise<unknown> | undefined;
  try {
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    holding = true;
    await holder.query(fill(statement(sql, 'probe-read'), frag), [opts.sessionId]);
    const pid = (await worker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    // Not awaited: it waits for the holder, which ends below. Its failure surfaces there.
    let finished = false;
    running = worker.query(opts.operation).finally(() => {
      finished = true;
    });
    running.catch(() => undefined);
    let waitEvent: string | undefined;
    const until = performance.now() + WAIT_START_MS;
    while (performance.now() < until && !finished) {
      const w = (await monitor.query<{ wait_event_type: string | null; wait_event: string | null; blockers: number }>(statement(sql, 'waiting'), [pid])).rows[0];
      if (w && w.blockers > 0 && w.wait_event_type === 'Lock') {
        waitEvent = `${w.wait_event_type}/${w.wait_event}`;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const locks = (await monitor.query<HeldLock>(statement(sql, 'locks-of'), [pid])).rows;
    await prober.query(`SET lock_timeout = ${PROBE_LOCK_TIMEOUT_MS}`);
    const readBlocked = await blocked(() => prober.query(fill(statement(sql, 'probe-read'), frag), [opts.sessionId]));
    await prober.query('BEGIN');
    const writeBlocked = await blocked(() => prober.query(fill(statement(sql, 'probe-write'), frag), [opts.sessionId]));
    await prober.query('ROLLBACK');
    const probedWhileRunning = !finished;
    await holder.query('COMMIT');
    holding = false;
    await running;
    return { waited: waitEvent !== undefined, probedWhileRunning, waitEvent, locks, readBlocked, writeBlocked };
  } finally {
    if (holding) await holder.query('ROLLBACK').catch(() => undefined);
    // The operation may still be running when a probe failed: let it end before its connection does.
    if (running) await running.catch(() => undefined);
    await Promise.all([holder.end(), worker.end(), prober.end()].map((p) => p.catch(() => undefined)));
  }
}

/** A refused statement: what the server said. */
/** What PostgreSQL does with the other forms of CLUSTER on a partitioned table, tried after it was clustered. */
export interface ClusterForms {
  /** `CLUSTER table` without USING: refused when no index is marked clustered. */
  bare?: Refusal;
  /** `ALTER TABLE table CLUSTER ON index`: marking the partitioned index. */
  markOn?: Refusal;
  /** `CLUSTER table USING index` inside BEGIN … ROLLBACK. */
  inTransaction?: Refusal;
  /** Partitions' indexes CLUSTER … USING marked as clustered, of all of them. */
  partitionsMarked: number;
  partitions: number;
}


/**
 * Try the forms of CLUSTER a schedule might use on the partitioned `table` (already
 * clustered USING `index`), and count the partitions' indexes marked clustered.
 * `index` is the bare name (CLUSTER … USING and CLUSTER ON take it unqualified).
 */
export async function clusterForms(client: pg.Client, table: string, index: string, qualifiedIndex: string, cluster: string): Promise<ClusterForms> {
  const bare = await refusal(() => client.query(fill(statement(sql, 'cluster-bare'), { table })));
  const markOn = await refusal(() => client.query(fill(statement(sql, 'cluster-on'), { table, index })));
  await client.query('BEGIN');
  const inTransaction = await refusal(() => client.query(cluster));
  await client.query('ROLLBACK');
  const m = (await client.query<{ marked: number; leaves: number }>(statement(sql, 'partitions-marked'), [qualifiedIndex])).rows[0];
  return { bare, markOn, inTransaction, partitionsMarked: m.marked, partitions: m.leaves };
}
