/**
 * Typed errors: every failure a user can meet carries a code, a one-line message and a
 * hint saying what to do. Postgres errors keep their SQLSTATE (db/errors.ts translates
 * them) and gain the context (scenario, variant, table) they came from.
 */

export type ErrorCode =
  | 'USAGE' // bad flag or argument: exit 2
  | 'UNUSABLE_INPUT' // a file the command cannot use: exit 2
  | 'CONNECTION' // server unreachable, wrong host or port
  | 'AUTH' // wrong user or password
  | 'NO_DATABASE' // the database named in the URL does not exist
  | 'NOT_OWNED' // a schema pgscale did not create
  | 'MISMATCH' // existing data made with other parameters
  | 'SERVER' // the server failed or went away
  | 'DISK_FULL'
  | 'DOCKER' // no Docker engine for --target container
  | 'EMBEDDED' // the embedded server could not start
  | 'INTERRUPTED'
  | 'BUSY' // another process owns the data set
  | 'BASELINE' // the baseline build of a paired run could not be made or run
  | 'INTERNAL';

export class PgscaleError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly sqlstate?: string;
  override readonly cause?: unknown;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; sqlstate?: string; cause?: unknown } = {}) {
    super(message);
    this.name = 'PgscaleError';
    this.code = code;
    this.hint = opts.hint;
    this.sqlstate = opts.sqlstate;
    this.cause = opts.cause;
  }

  /** Exit code the CLI uses for this error: 2 for bad usage or input, 130 when interrupted, 1 otherwise. */
  get exitCode(): number {
    if (this.code === 'INTERRUPTED') return 130;
    return this.code === 'USAGE' || this.code === 'UNUSABLE_INPUT' ? 2 : 1;
  }
}
