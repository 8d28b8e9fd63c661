/**
 * A per-statement hard cap the server enforces: `statement_timeout` set on one
 * connection for the span of a call, then put back. The client-side cap in latency.ts
 * stops between executions; this one cuts a single slow execution off mid-statement.
 * https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-STATEMENT-TIMEOUT
 */
import type pg from 'pg';

/** SQLSTATE query_canceled: what a statement cut off by statement_timeout fails with. */
export const QUERY_CANCELED = '57014';

/** A statement ran into the cap and the server cancelled it. */
export class StatementTimeout extends Error {
  readonly capMs: number;
  readonly sqlstate = QUERY_CANCELED;
  override readonly cause?: unknown;
  constructor(capMs: number, cause?: unknown) {
    super(`statement cut off at statement_timeout = ${capMs} ms`);
    this.name = 'StatementTimeout';
    this.capMs = capMs;
    this.cause = cause;
  }
}

/** Runs `run` under a hard cap of `capMs`; a run cut off rejects with a StatementTimeout. */
export type Guard = <T>(capMs: number, run: () => Promise<T>) => Promise<T>;

/**
 * Run fn with statement_timeout = capMs on this connection (or the session's own value
 * when that is stricter), restoring the previous value afterwards, also on failure.
 * A statement cancelled meanwhile becomes a StatementTimeout; other errors pass as they are.
 */
export async function withStatementTimeout<T>(client: pg.Client, capMs: number, fn: () => Promise<T>): Promise<T> {
  const cap = Math.max(1, Math.ceil(capMs));
  // One round trip: read the session's value (pg_settings reports it in ms) before
  // setting ours; OFFSET 0 keeps the read in its own subquery, evaluated first.
  const r = await client.query<{ prev: number }>(
    `SELECT p.prev, set_config('statement_timeout', (CASE WHEN p.prev > 0 AND p.prev < $1 THEN p.prev ELSE $1 END)::text, false)
       FROM (SELECT setting::int AS prev FROM pg_settings WHERE name = 'statement_timeout' OFFSET 0) p`,
    [cap],
  );
  const prev = r.rows[0].prev;
  const applied = prev > 0 && prev < cap ? prev : cap;
  try {
    return await fn();
  } catch (err) {
    if ((err as { code?: string }).code === QUERY_CANCELED) throw new StatementTimeout(applied, err);
    throw err;
  } finally {
    await client.query(`SELECT set_config('statement_timeout', $1, false)`, [String(prev)]);
  }
}

/** The guard for one connection: its statements run under statement_timeout. */
export function statementTimeoutGuard(client: pg.Client): Guard {
  return (capMs, run) => withStatementTimeout(client, capMs, run);
}
