/**
 * `pgscale compare BASELINE.json CURRENT.json`, or `pgscale compare DIR/paired.json` for a
 * paired run (`pgscale run --baseline-ref`): the regression gate. Prints every metric
 * with baseline, current, change, confidence and verdict. Exit codes: 0 no regression,
 * 1 regression (process.exitCode, so output is flushed), 2 unusable input (a
 * PgscaleError with code UNUSABLE_INPUT or USAGE, turned into 2 by main).
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { PgscaleError } from '../core/errors.ts';
import { type Comparison, compareResults } from '../reports/compare.ts';
import { comparePaired } from '../reports/compare-paired.ts';
import { isPairedDocument, loadPaired } from '../reports/paired.ts';
import { renderComparisonMarkdown } from '../reports/compare-table.ts';
import { loadHistory, loadResults, parseJsonFile } from '../reports/load.ts';
import { applyConfigFile, applyThresholdFlag, DEFAULT_GATE_CONFIG, type GateConfig } from '../reports/thresholds.ts';
import { common } from './options.ts';
import { info, writeStdout } from './output.ts';

interface CompareFlags {
  threshold?: string;
  config?: string;
  history?: string;
  format: 'md' | 'json';
  changedOnly?: boolean;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

/** Defaults, then the config file, then --threshold: the later one wins. */
function resolveConfig(flags: CompareFlags): GateConfig {
  let config = DEFAULT_GATE_CONFIG;
  if (flags.config) config = applyConfigFile(config, parseJsonFile(flags.config, 'gate config'), `gate config ${flags.config}`);
  if (flags.threshold) config = applyThresholdFlag(config, flags.threshold);
  return Object.freeze(config);
}

export function register(program: Command): void {
  program
    .command('compare')
    .description('regression gate: compare a run with a baseline (exit 0 no regression, 1 regression, 2 unusable input)')
    .argument('<baseline>', 'results.json of the baseline run, or the paired.json of `pgscale run --baseline-ref` (alone)')
    .argument('[current]', 'results.json of the run to judge')
    .option('--threshold <spec>', 'minimum effect and noise floor per metric kind or id glob, e.g. latency=10%:0.05ms,size=2%:16KiB,alpha=0.01')
    .option('--config <file>', 'JSON gate config: {"alpha":0.01,"thresholds":{"latency":{"relative":0.1,"absolute":0.05}}}')
    .option('--history <dir>', 'folder of earlier nightly results.json: change points, and a judge for metrics without raw samples')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json']).default('md'))
    .option('--changed-only', 'list only metrics that did not stay unchanged')
    .addOption(common.json())
    .addOption(common.quiet())
    .addOption(common.debug())
    .action(async (baselinePath: string, currentPath: string | undefined, flags: CompareFlags) => {
      const config = resolveConfig(flags);
      let comparison: Comparison;
      if (currentPath === undefined) {
        // One file: a paired run, judged on its per-round differences.
        if (!isPairedDocument(parseJsonFile(baselinePath, 'results file'))) {
          throw new PgscaleError('USAGE', `compare needs two results files, or one paired.json (${baselinePath} is a single run)`, {
            hint: 'pgscale compare BASELINE/results.json CURRENT/results.json, or pgscale compare DIR/paired.json from `pgscale run --baseline-ref REF --out DIR`.',
          });
        }
        if (flags.history) info(flags, 'compare: --history is not used for a paired run (its rounds measure the noise)');
        comparison = comparePaired(loadPaired(baselinePath), { config });
      } else {
        for (const path of [baselinePath, currentPath]) {
          if (isPairedDocument(parseJsonFile(path, 'results file'))) {
            throw new PgscaleError('USAGE', `${path} is a paired run: pass it alone`, { hint: `pgscale compare ${path}` });
          }
        }
        const baseline = loadResults(baselinePath);
        const current = loadResults(currentPath);
        let history;
        if (flags.history) {
          const loaded = loadHistory(flags.history);
          for (const s of loaded.skipped) info(flags, `compare: skipped ${s.path}: ${s.reason}`);
          history = loaded.runs;
        }
        comparison = compareResults(baseline, current, { config, history });
      }
      for (const w of comparison.warnings) info(flags, `compare: warning: ${w}`);
      await writeStdout(flags.json || flags.format === 'json' ? JSON.stringify(comparison, null, 2) + '\n' : renderComparisonMarkdown(comparison, { changedOnly: flags.changedOnly }));
      if (comparison.regressed) {
        info(flags, `compare: ${comparison.counts.regressed} metric(s) regressed`);
        process.exitCode = 1;
      }
    });
}
