/**
 * Postgres failures as PgscaleErrors: node-postgres and socket errors are translated into
 * a code and a hint saying what to do, keeping their SQLSTATE and the context (scenario,
 * variant, table) they came from.
 */
import { PgscaleError } from '../core/errors.ts';

/** The fields node-postgres puts on a server error (pg's DatabaseError). */
interface PgErrorLike {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  table?: string;
  errno?: number;
  syscall?: string;
  address?: string;
  port?: number;
}

/** Where a connection was going, for messages: never includes a password. */
export interface ConnectionContext {
  where?: string;
  context?: string;
}

/**
 * Translate any error thrown while talking to Postgres into a PgscaleError with a hint.
 * SQLSTATEs per https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function toPgscaleError(err: unknown, ctx: ConnectionContext = {}): PgscaleError {
  if (err instanceof PgscaleError) return err;
  const e = (err ?? {}) as PgErrorLike;
  const where = ctx.where ? ` (${ctx.where})` : '';
  const prefix = ctx.context ? `${ctx.context}: ` : '';
  const msg = e.message ?? String(err);
  const sqlstate = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;

  switch (e.code) {
    case 'ECONNREFUSED':
      return new PgscaleError('CONNECTION', `${prefix}cannot connect to Postgres${where}: connection refused`, {
        hint: 'Is the server running and listening on that host and port? Check --database-url / DATABASE_URL, or omit them to use the embedded server.',
        cause: err,
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new PgscaleError('CONNECTION', `${prefix}cannot resolve the database host${where}`, {
        hint: 'Check the host name in --database-url / DATABASE_URL / PGHOST.',
        cause: err,
      });
    case 'ETIMEDOUT':
      return new PgscaleError('CONNECTION', `${prefix}connection to Postgres timed out${where}`, {
        hint: 'Check the host, port and any firewall between here and the server.',
        cause: err,
      });
    case 'ECONNRESET':
    case 'EPIPE':
      return new PgscaleError('SERVER', `${prefix}the connection to Postgres was lost${where}: ${msg}`, {
        hint: 'The server closed the connection: it may have stopped or crashed. Check its log, restart it, then run the same command again: committed work is kept and resumed.',
        cause: err,
      });
    case '28P01':
    case '28000':
      return new PgscaleError('AUTH', `${prefix}authentication failed${where}: ${msg}`, {
        hint: 'Check the user name and password in --database-url / DATABASE_URL / PGUSER and PGPASSWORD.',
        sqlstate,
        cause: err,
      });
    case '3D000':
      return new PgscaleError('NO_DATABASE', `${prefix}${msg}${where}`, {
        hint: 'Create the database first (createdb NAME) or name an existing one in the URL.',
        sqlstate,
        cause: err,
      });
    case '53100':
      return new PgscaleError('DISK_FULL', `${prefix}the server's disk is full: ${msg}`, {
        hint: 'Free disk space on the server (or choose a smaller --scale), then run the same command again: committed chunks are kept and the load resumes.',
        sqlstate,
        cause: err,
      });
    case '57P01':
    case '57P02':
    case '57P03':
      return new PgscaleError('SERVER', `${prefix}the server shut down or is not accepting connections${where}: ${msg}`, {
        hint: 'Restart the server, then run the same command again: committed work is kept and resumed.',
        sqlstate,
        cause: err,
      });
    case '42501':
      return new PgscaleError('SERVER', `${prefix}permission denied: ${msg}`, {
        hint: 'The database user needs CREATE on the database (to create pgscale\'s schema).',
        sqlstate,
        cause: err,
      });
    default:
      break;
  }
  // node-postgres' own words for a socket that died under it (pg/lib/client.js).
  if (/Connection terminated|terminating connection|server closed the connection|not queryable/i.test(msg)) {
    return new PgscaleError('SERVER', `${prefix}the connection to Postgres was lost${where}: ${msg}`, {
      hint: 'The server stopped or crashed. Restart it and run the same command again: committed work is kept and resumed.',
      sqlstate,
      cause: err,
    });
  }
  if (/password authentication failed|SASL|no password/i.test(msg)) {
    return new PgscaleError('AUTH', `${prefix}authentication failed${where}: ${msg}`, {
      hint: 'Check the user name and password in --database-url / DATABASE_URL / PGPASSWORD.',
      sqlstate,
      cause: err,
    });
  }
  const detail = e.detail ? ` (${e.detail})` : '';
  return new PgscaleError(sqlstate ? 'SERVER' : 'INTERNAL', `${prefix}${msg}${detail}`, {
    hint: e.hint,
    sqlstate,
    cause: err,
  });
}
