/**
 * `pgscale report RESULTS.json`: re-render stored results as Markdown, HTML, JSON or a
 * CI exporter's format, to stdout or --out FILE.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { PgscaleError } from '../core/errors.ts';
import { compareResults } from '../reports/compare.ts';
import { toBencherBmf, toGithubActionBenchmark } from '../reports/exporters.ts';
import { checkComparable } from '../reports/fingerprint.ts';
import { renderHtml } from '../reports/html.ts';
import { loadHistory, loadResults } from '../reports/load.ts';
import { renderMarkdown } from '../reports/markdown.ts';
import type { Results } from '../reports/schema.ts';
import { common } from './options.ts';
import { info, writeStdout } from './output.ts';

const FORMATS = ['md', 'html', 'json', 'github-smaller', 'github-bigger', 'bencher'] as const;
type Format = (typeof FORMATS)[number];

interface ReportFlags {
  baseline?: string;
  history?: string;
  format: Format;
  out?: string;
  quiet?: boolean;
  debug?: boolean;
}

function render(format: Format, results: Results, baseline: Results | undefined, history: Results[] | undefined): string {
  switch (format) {
    case 'md':
      return renderMarkdown(results, { baseline });
    case 'html':
      return renderHtml(results, { baseline, history });
    case 'json': {
      if (!baseline) return JSON.stringify(results, null, 2) + '\n';
      const comparable = checkComparable(baseline, results).problems.length === 0;
      return JSON.stringify({ results, comparison: comparable ? compareResults(baseline, results) : undefined }, null, 2) + '\n';
    }
    case 'github-smaller':
      return JSON.stringify(toGithubActionBenchmark(results, 'customSmallerIsBetter'), null, 2) + '\n';
    case 'github-bigger':
      return JSON.stringify(toGithubActionBenchmark(results, 'customBiggerIsBetter'), null, 2) + '\n';
    case 'bencher':
      return JSON.stringify(toBencherBmf(results), null, 2) + '\n';
  }
}

export function register(program: Command): void {
  program
    .command('report')
    .description('render stored results: Markdown, self-contained HTML, JSON, or github-action-benchmark / Bencher BMF JSON')
    .argument('<results>', 'results.json written by pgscale run')
    .option('--baseline <file>', 'results.json to show changes against')
    .option('--history <dir>', 'folder of earlier results.json: trend charts in the HTML')
    .addOption(new Option('--format <format>', 'output format').choices([...FORMATS]).default('md'))
    .option('--out <file>', 'write here instead of stdout')
    .addOption(common.quiet())
    .addOption(common.debug())
    .action(async (resultsPath: string, flags: ReportFlags) => {
      const results = loadResults(resultsPath);
      const baseline = flags.baseline ? loadResults(flags.baseline) : undefined;
      let history: Results[] | undefined;
      if (flags.history) {
        const loaded = loadHistory(flags.history);
        for (const s of loaded.skipped) info(flags, `report: skipped ${s.path}: ${s.reason}`);
        history = loaded.runs;
      }
      if (baseline) {
        const { problems } = checkComparable(baseline, results);
        if (problems.length > 0) info(flags, `report: baseline not comparable, no deltas: ${problems.join('; ')}`);
      }
      const text = render(flags.format, results, baseline, history);
      if (!flags.out) {
        await writeStdout(text);
        return;
      }
      try {
        writeFileSync(flags.out, text);
      } catch (err) {
        throw new PgscaleError('USAGE', `cannot write ${flags.out}: ${(err as Error).message}`, { hint: 'Check that the folder exists and is writable.', cause: err });
      }
      info(flags, `report: wrote ${flags.out}`);
    });
}
