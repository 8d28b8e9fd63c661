/**
 * `pgscale psql [DATASET] [-- psql args]`: the user's psql on the target, with
 * `search_path` set to the data set's schema, so `SELECT … FROM message_history` works
 * as written. The password goes through PGPASSWORD, never the command line (which any
 * user of the machine can read in ps).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Command } from 'commander';
import type pg from 'pg';
import { type DatasetInfo, listDatasets } from '../db/datasets.ts';
import { PgscaleError } from '../core/errors.ts';
import { openTarget, resolveTargetSpec, withStartupOptions } from '../db/target.ts';
import { type ConnectionFlags, common } from './options.ts';
import { info } from './output.ts';

interface PsqlFlags extends ConnectionFlags {
  psql?: string;
}

export function register(program: Command): void {
  program
    .command('psql')
    .description("open psql on the target with search_path set to a data set's schema")
    .argument('[dataset]', 'the data set (its schema) to query; default: the only one on the target')
    .argument('[psql-args...]', 'arguments for psql after --, e.g. -- -c "SELECT count(*) FROM users"')
    .option('--psql <path>', 'the psql to run (default: psql on PATH)')
    .addOption(common.databaseUrl())
    .addOption(common.target())
    .addOption(common.dataDir())
    .addOption(common.quiet())
    .addOption(common.debug())
    .addHelpText('after', '\nWithout --database-url it uses the embedded server, started for the session when `pgscale server start` has not.')
    .action((dataset: string | undefined, psqlArgs: string[], flags: PsqlFlags) => {
      // After `--` commander fills [dataset] with the first psql argument. A data set's
      // name never starts with '-', so such a first argument is psql's.
      if (dataset?.startsWith('-')) return psql(undefined, [dataset, ...psqlArgs], flags);
      return psql(dataset, psqlArgs, flags);
    });
}

/** The psql to run: --psql, else the first `psql` on PATH (Debian's pg_wrapper or the user's own). */
export function findPsql(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new PgscaleError('USAGE', `--psql ${explicit} is not an executable file`, { hint: 'Pass the path of a psql binary, or leave --psql out to use the psql on PATH.' });
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'psql'))) return join(dir, 'psql');
  }
  throw new PgscaleError('USAGE', 'psql is not installed (no psql on PATH)', {
    hint:
      'Install the PostgreSQL client: sudo apt-get install postgresql-client (Debian, Ubuntu), sudo dnf install postgresql (Fedora, RHEL), ' +
      'brew install libpq && brew link --force libpq (macOS); or pass --psql PATH. Any psql from version 10 on can talk to the embedded PostgreSQL 18.',
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false; // missing or not executable: keep looking
  }
}

/**
 * How to start psql on a connection: arguments and environment. The password moves from
 * the config (or the URL) into PGPASSWORD; search_path joins the startup options.
 */
export function psqlInvocation(config: pg.ClientConfig, schema: string | undefined, baseEnv: NodeJS.ProcessEnv): { args: string[]; env: NodeJS.ProcessEnv } {
  // public after the data set: functions and extensions the user made there still resolve.
  const withPath = schema ? withStartupOptions(config, { search_path: `${schema},public` }) : config;
  const env: NodeJS.ProcessEnv = { ...baseEnv, PGAPPNAME: 'pgscale psql' };
  let args: string[] = [];
  if (withPath.connectionString) {
    const url = new URL(withPath.connectionString);
    if (url.password) {
      env.PGPASSWORD = decodeURIComponent(url.password);
      url.password = '';
    }
    args = ['--dbname', url.toString()];
  } else {
    const fields = { host: 'PGHOST', port: 'PGPORT', user: 'PGUSER', database: 'PGDATABASE' } as const;
    for (const [key, name] of Object.entries(fields)) {
      const value = withPath[key as keyof typeof fields];
      if (value !== undefined && value !== null) env[name] = String(value);
    }
    if (typeof withPath.password === 'string') env.PGPASSWORD = withPath.password;
  }
  if (withPath.options) env.PGOPTIONS = withPath.options;
  return { args, env };
}

/** The data set to open: the one named, else the only one there is (scratch copies aside). */
export function chooseDataset(datasets: DatasetInfo[], named: string | undefined, where: string): DatasetInfo | undefined {
  const loaded = datasets.filter((d) => d.state !== 'scratch');
  const names = loaded.map((d) => d.schema).join(', ');
  if (named) {
    const found = datasets.find((d) => d.schema === named);
    if (found) return found;
    throw new PgscaleError('USAGE', `no data set '${named}' on ${where}`, {
      hint: loaded.length ? `The data sets there: ${names}.` : `There is none yet: load one with pgscale load --schema ${named}.`,
    });
  }
  if (loaded.length <= 1) return loaded[0];
  throw new PgscaleError('USAGE', `${loaded.length} data sets on ${where}: name the one to query`, {
    hint: `pgscale psql ${loaded[0].schema} (the data sets: ${names}).`,
  });
}

async function psql(named: string | undefined, psqlArgs: string[], flags: PsqlFlags): Promise<void> {
  // Before any server starts: a missing psql is the first thing to tell.
  const binary = findPsql(flags.psql, process.env);
  const target = await openTarget(resolveTargetSpec(flags, process.env, process.cwd()), (line) => info(flags, line));
  try {
    const client = await target.connect();
    let dataset: DatasetInfo | undefined;
    try {
      dataset = chooseDataset(await listDatasets(client), named, target.describe);
    } finally {
      await client.end();
    }
    if (!dataset) info(flags, `psql: no data set on ${target.describe}; search_path left as it is (load one with pgscale load)`);
    else {
      info(flags, `psql: data set ${dataset.schema} (search_path ${dataset.schema}, public) on ${target.describe}`);
      if (!dataset.complete) info(flags, `psql: data set ${dataset.schema} is ${dataset.state}, not complete: its tables may be partly loaded`);
    }
    const { args, env } = psqlInvocation(target.config, dataset?.schema, process.env);
    process.exitCode = await runInteractive(binary, [...args, ...psqlArgs], env);
  } finally {
    await target.close();
  }
}

/**
 * Run psql on this terminal and return its exit code. While it runs, Ctrl-C and Ctrl-\
 * belong to psql (they cancel its query): pgscale ignores them, as system(3) does, so
 * it is still there to let go of the server when psql ends.
 */
async function runInteractive(binary: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const ignore = () => {};
  const child = spawn(binary, args, { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', ignore);
  process.on('SIGQUIT', ignore);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (err) => reject(new PgscaleError('USAGE', `could not run ${binary}: ${err.message}`, { hint: 'Pass a working psql with --psql PATH.', cause: err })));
      // A psql ended by a signal exits as shells report it: 128 + the signal's number.
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? osConstants.signals[signal] : 0)));
    });
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGQUIT', ignore);
    process.off('SIGTERM', forward);
    process.off('SIGHUP', forward);
  }
}
