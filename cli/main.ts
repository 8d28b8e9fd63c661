/**
 * pgscale's command line: parses flags, runs one command, turns every failure into one
 * clear message and an exit code (0 ok, 1 failure or regression, 2 bad usage).
 */
import { CommanderError } from 'commander';
import { PgscaleError } from '../core/errors.ts';
import { printError } from './output.ts';
import { buildProgram } from './program.ts';

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
