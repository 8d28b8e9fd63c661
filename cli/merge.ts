/**
 * `pgscale merge A/results.json B/results.json … --out DIR`: the parts of a load test
 * run on several machines (`traffic --part I/N`) written as the one run they were, with
 * its report: `report` and `compare` read it as if one client had run.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { mergeParts } from '../bench/traffic/merge.ts';
import { loadResults } from '../reports/load.ts';
import { common } from './options.ts';
import { info, printJson } from './output.ts';
import { writeResults } from './run.ts';
import { trafficSummary } from './traffic-summary.ts';

interface MergeFlags {
  out: string;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

export function register(program: Command): void {
  program
    .command('merge')
    .description('merge the results of a load test split with traffic --part I/N into one run (histograms and per-second series exactly)')
    .argument('<results...>', "every part's results.json, each once")
    .requiredOption('--out <dir>', 'folder for the merged results.json, report.md and report.html')
    .addOption(common.json())
    .addOption(common.quiet())
    .addOption(common.debug())
    .action(async (files: string[], flags: MergeFlags) => {
      const { results, warnings } = mergeParts(files.map((file) => ({ file, results: loadResults(file) })));
      for (const w of warnings) info(flags, `merge: ${w}`);
      const out = resolve(flags.out);
      const written = await writeResults(out, results);
      const t = results.traffic!;
      if (flags.json) printJson({ transactions: t.transactions, achievedRate: t.achievedRate, latencyMs: t.latencyMs, parts: t.mergedFrom, warnings, out, files: written });
      else if (!flags.quiet) process.stdout.write(`merged ${files.length} parts\n${trafficSummary(t)}\nresults: ${written.join(', ')}\n`);
      if (t.slo && !t.slo.met) process.exitCode = 1;
    });
}
