/**
 * pgscale's command tree: every command and its flags, without running anything, so tests
 * can hand command lines (the deploy examples') to the same parser the CLI uses.
 */
import { Command } from 'commander';
import { redactSecrets } from '../db/redact.ts';
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
import { register as registerMerge } from './merge.ts';

/** Each command lives in its own file and adds itself to the program. */
const COMMANDS: Array<(program: Command) => void> = [registerLoad, registerGenerate, registerDrop, registerRun, registerList, registerCompare, registerReport, registerTraffic, registerMerge, registerServer, registerPsql];

/** The `pgscale` program with every command registered; parsing it runs the command's action. */
export function buildProgram(): Command {
  const program = new Command('pgscale')
    .description('Scale benchmark and load-testing harness for PostgreSQL')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(redactSecrets(str)) });
  for (const add of COMMANDS) add(program);
  return program;
}
