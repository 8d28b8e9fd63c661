/** `pgscale list`: the registered scenarios, one line each (or JSON with --json). */
import type { Command } from 'commander';
import { SCENARIOS } from '../scenarios/index.ts';
import { common } from './options.ts';
import { printJson } from './output.ts';

export function register(program: Command): void {
  program
    .command('list')
    .description('list the scenarios with one-line descriptions')
    .addOption(common.json())
    .action((flags: { json?: boolean }) => {
      if (flags.json) {
        printJson(SCENARIOS.map((s) => ({ name: s.name, description: s.description, variants: [...s.variants], hypothesis: s.hypothesis, claim: s.claim })));
        return;
      }
      const width = Math.max(...SCENARIOS.map((s) => s.name.length));
      // The list is the command's output, so it goes to stdout (status lines go to stderr).
      process.stdout.write(`${SCENARIOS.map((s) => `${s.name.padEnd(width)}  ${s.description}`).join('\n')}\n`);
    });
}
