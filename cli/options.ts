/**
 * Options are resolved once, at the edge (flags → env → defaults), validated with a
 * message that says what to do, and passed down frozen.
 */
import { type Command, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { parseInteger, parseScale } from '../core/flags.ts';
import type { EnumStyle } from '../generators/enums.ts';

/** commander Options shared by commands, so every command spells them the same. */
export const common = {
  databaseUrl: () => new Option('--database-url <url>', 'a Postgres server you run (default: $DATABASE_URL, libpq PG* variables, else the embedded server)'),
  target: () => new Option('--target <kind>', 'embedded | container[:IMAGE] | container:citus (testcontainers, needs Docker)'),
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
  distribute: () => new Option('--distribute <engine>', 'make the tables distributed tables of this engine before loading (the target must have the citus extension)').choices(['citus']),
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
  /** `--distribute citus`: a Citus data set, loaded through the coordinator. */
  distribute?: 'citus';
}
