/**
 * `pgscale list`: the registered scenarios, one line each (or JSON with --json);
 * `pgscale list --datasets`: the data sets on the target.
 */
import { type Command, Option } from 'commander';
import { type DatasetInfo, listDatasets } from '../db/datasets.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { type ConnectionFlags, common } from './options.ts';
import { info, printJson } from './output.ts';
import { withTarget } from './session.ts';

interface ListFlags extends ConnectionFlags {
  datasets?: boolean;
}

export function register(program: Command): void {
  program
    .command('list')
    .description('list the scenarios with one-line descriptions, or with --datasets the data sets on the target')
    .addOption(new Option('--datasets', 'list the data sets loaded on the target: parameters, rows, bytes, whether complete'))
    .addOption(common.json())
    // The target flags matter only with --datasets: without it nothing connects.
    .addOption(common.databaseUrl())
    .addOption(common.target())
    .addOption(common.dataDir())
    .addOption(common.quiet())
    .addOption(common.debug())
    .action(async (flags: ListFlags) => {
      if (flags.datasets) return listDatasetsCommand(flags);
      if (flags.json) {
        printJson(SCENARIOS.map((s) => ({ name: s.name, description: s.description, variants: [...s.variants], hypothesis: s.hypothesis, claim: s.claim, core: s.core !== false })));
        return;
      }
      const width = Math.max(...SCENARIOS.map((s) => s.name.length));
      // The list is the command's output, so it goes to stdout (status lines go to stderr).
      // A scenario outside the default run says so: it runs only when named.
      process.stdout.write(`${SCENARIOS.map((s) => `${s.name.padEnd(width)}  ${s.description}${s.core === false ? ' (runs when named)' : ''}`).join('\n')}\n`);
    });
}

async function listDatasetsCommand(flags: ListFlags): Promise<void> {
  const datasets = await withTarget(flags, async (target) => {
    const client = await target.connect();
    try {
      return await listDatasets(client);
    } finally {
      await client.end();
    }
  });
  if (flags.json) printJson(datasets);
  else if (datasets.length === 0) info(flags, 'no data sets on this server (load one with pgscale load)');
  else process.stdout.write(`${describeDatasets(datasets)}\n`);
}

/** `300k`, `1m`, `2.5m`: a scale as the --scale flag spells it. */
export function formatScale(n: number): string {
  for (const [unit, size] of [['b', 1e9], ['m', 1e6], ['k', 1e3]] as const) {
    if (n >= size) return `${Number((n / size).toFixed(2))}${unit}`;
  }
  return String(n);
}

/** `12.3 MiB`, `1.50 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** The data sets as an aligned table: one per line under a header. */
export function describeDatasets(datasets: DatasetInfo[]): string {
  const header = ['schema', 'scale', 'seed', 'months', 'enums', 'state', 'rows', 'size'];
  const rows = datasets.map((d) => [
    d.schema,
    d.params ? formatScale(d.params.scale) : '?',
    d.params ? String(d.params.seed) : '?',
    d.params ? String(d.params.months) : '?',
    d.params?.enums ?? '?',
    d.state ?? '?',
    d.totalRows.toLocaleString('en-US'),
    formatBytes(d.bytes),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  // Numbers align right, words left.
  const right = new Set([1, 2, 3, 6, 7]);
  const line = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
