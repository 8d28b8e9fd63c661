/**
 * Options are resolved once, at the edge (flags → env → defaults), validated with a
 * message that says what to do, and passed down frozen.
 */
import { type Command, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { PgscaleError } from '../db/errors.ts';
import type { EnumStyle } from '../generators/enums.ts';

/** Parse a scale: `10k`, `1m`, `300m`, `1.5m`, `2b` or a plain integer ≥ 1. */
export function parseScale(value: string): number {
  return parseMessages('--scale')(value);
}

/** A parser of a number of messages (`10k`, `1m`, `1b`) for `flag`, whose errors name it. */
export function parseMessages(flag: string) {
  return (value: string): number => messagesOf(flag, value);
}

function messagesOf(flag: string, value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmb]?)\s*$/i.exec(value);
  const mult = m ? { '': 1, k: 1e3, m: 1e6, b: 1e9 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'b'] : 0;
  const n = m ? Math.round(Number(m[1]) * mult) : NaN;
  if (!Number.isFinite(n) || n < 1 || n > 1e11) {
    throw new PgscaleError('USAGE', `invalid ${flag} '${value}': expected a positive number of messages such as 200k, 1m or 300m`, {
      hint: `${flag} is a number of message_history rows; k, m and b multiply by a thousand, a million and a billion.`,
    });
  }
  return n;
}

/** Parse a non-negative integer flag (seed, jobs, months, rows). */
export function parseInteger(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\s*\d+\s*$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new PgscaleError('USAGE', `invalid ${flag} '${value}': expected a whole number from ${min} to ${max}`);
    }
    return Number(value);
  };
}

export function parseRowCount(value: string): number {
  return value.match(/[kmb]$/i) ? parseScale(value) : parseInteger('--rows', 1)(value);
}

/** commander Options shared by commands, so every command spells them the same. */
export const common = {
  databaseUrl: () => new Option('--database-url <url>', 'a Postgres server you run (default: $DATABASE_URL, libpq PG* variables, else the embedded server)'),
  target: () => new Option('--target <kind>', 'embedded | container[:IMAGE] (testcontainers, needs Docker)'),
  dataDir: () => new Option('--data-dir <dir>', 'home of the embedded server (default: $PGSCALE_HOME or ./.pgscale)'),
  json: () => new Option('--json', 'print a machine-readable summary on stdout'),
  quiet: () => new Option('--quiet', 'print nothing but errors (and --json)'),
  debug: () => new Option('--debug', 'print stack traces with errors'),
  // commander does not pass defaults through argParser: give the parsed value, show the text.
  scale: (def = '1m') => new Option('--scale <n>', 'messages to generate: 10k, 1m, 300m').default(parseScale(def), def).argParser(parseScale),
  seed: () => new Option('--seed <n>', 'random seed: the same seed and scale give the same data').default(1).argParser(parseInteger('--seed', 0, 2 ** 31 - 1)),
  months: () => new Option('--months <n>', 'months of history (from 2025-01)').default(12).argParser(parseInteger('--months', 1, 120)),
  enums: () => new Option('--enums <style>', 'how enum columns are stored').choices(['smallint', 'varchar']).default('smallint'),
  jobs: () => new Option('--jobs <n>', 'parallel COPY connections (default: CPU count)').default(availableParallelism()).argParser(parseInteger('--jobs', 1, 64)),
  schema: () => new Option('--schema <name>', 'the schema pgscale creates and owns').default('pgscale'),
  dryRun: () => new Option('--dry-run', 'print the plan (data sets, rows, bytes on disk, peak disk, time) and exit without loading anything'),
  force: () => new Option('--force', 'go on when the plan needs more disk than the embedded server\'s filesystem has free'),
};

/** Add the flags every command that talks to Postgres accepts (target, output, debug). */
export function connectionOptions(cmd: Command): Command {
  return cmd
    .addOption(common.databaseUrl())
    .addOption(common.target())
    .addOption(common.dataDir())
    .addOption(common.json())
    .addOption(common.quiet())
    .addOption(common.debug());
}

/** Flags every command that talks to Postgres accepts. */
export interface ConnectionFlags {
  databaseUrl?: string;
  target?: string;
  dataDir?: string;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

/** Flags of `pgscale load`. */
export interface LoadFlags extends ConnectionFlags {
  scale: number;
  seed: number;
  months: number;
  enums: EnumStyle;
  jobs: number;
  schema: string;
  fresh?: boolean;
  /** False with --no-wait. */
  wait?: boolean;
  dryRun?: boolean;
  force?: boolean;
}
