/**
 * pgscale's command line: parses flags, runs one command, turns every failure into one
 * clear message and an exit code (0 ok, 1 failure or regression, 2 bad usage).
 */
import { Command, CommanderError } from 'commander';
import { PgscaleError } from '../core/errors.ts';
import { redactSecrets } from '../db/redact.ts';
import { printError } from './output.ts';
import { VERSION } from '../core/version.ts';
import { register as registerLoad } from './load.ts';
import { register as registerGenerate } from './generate.ts';
import { register as registerDrop } from './drop.ts';
import { register as registerRun } from './run.ts';
import { register as registerList } from './list.ts';
import { register as registerCompare } from './compare.ts';
import { register as registerReport } from './report.ts';
import { register as registerTraffic } from './traffic.ts';
import { register as registerServer } from './server.ts';
import { register as registerPsql } from './psql.ts';

/** Each command lives in its own file and adds itself to the program. */
const COMMANDS: Array<(program: Command) => void> = [registerLoad, registerGenerate, registerDrop, registerRun, registerList, registerCompare, registerReport, registerTraffic, registerServer, registerPsql];

function buildProgram(): Command {
  const program = new Command('pgscale')
    .description('Scale benchmark and load-testing harness for PostgreSQL')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(redactSecrets(str)) });
  for (const add of COMMANDS) add(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
      return 2;
    }
    printError(err, debug);
    return err instanceof PgscaleError ? err.exitCode : 1;
  }
}

const code = await main(process.argv);
// process.exit() would cut output still queued for a pipe (stdout to `| jq`): wait until
// both streams have handed everything to the OS, then leave without waiting for stray handles.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))));
process.exit(code);
