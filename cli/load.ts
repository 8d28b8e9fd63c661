/** `pgscale load`: generate the platform's data set and COPY it into an owned schema. */
import type { Command } from 'commander';
import { type LoadSummary, load } from '../db/load.ts';
import { readCalibration, recordLoad, writeCalibration } from './calibration.ts';
import { type LoadFlags, common, connectionOptions } from './options.ts';
import { PgscaleError } from '../core/errors.ts';
import { freshPartRefusal } from '../db/load-parts.ts';
import { info, printJson } from './output.ts';
import { type Part, partOption } from './part.ts';
import { buildPlan, checkFreeSpace, describePlan, planSetting } from './plan.ts';
import { loadProgress } from './progress.ts';
import { runShardedLoad } from './load-sharded.ts';
import { type ShardFlags, isSharded, shardOptions } from './shard.ts';
import { withTarget } from './session.ts';

export function register(program: Command): void {
  const cmd = program
    .command('load')
    .description('generate the data set and load it with parallel COPY (resumable)')
    .addOption(common.scale())
    .addOption(common.seed())
    .addOption(common.months())
    .addOption(common.enums())
    .addOption(common.jobs())
    .addOption(common.schema())
    .option('--fresh', 'drop the schema (only if pgscale created it) and load anew')
    .option('--no-wait', 'when another pgscale process is loading the schema, exit 1 at once instead of waiting for it')
    .addOption(common.dryRun())
    .addOption(common.force())
    .addOption(common.distribute())
    .addOption(partOption('load only this share of the chunks, side by side with the other parts; the last part to finish builds the indexes'));
  shardOptions(connectionOptions(cmd)).action(async (flags: LoadFlags & ShardFlags & { part?: Part }) => {
      if (flags.part && isSharded(flags)) {
        throw new PgscaleError('USAGE', '--part cannot be combined with --shard or --shards yet', { hint: 'Load a sharded data set from one machine, or split an unsharded load into parts.' });
      }
      if (flags.distribute && isSharded(flags)) {
        throw new PgscaleError('USAGE', '--distribute citus cannot be combined with --shard or --shards', {
          hint: 'Citus shards the data itself: give its coordinator as the one target (--database-url URL or --target container:citus).',
        });
      }
      if (isSharded(flags)) return runShardedLoad(flags);
      if (flags.part && flags.fresh) {
        throw freshPartRefusal(flags.schema);
      }
      const setting = planSetting(flags, process.env, process.cwd());
      const data = { scale: flags.scale, seed: flags.seed, months: flags.months };
      const result = await withTarget(flags, async (target) => {
        const calibration = readCalibration(setting.calibrationPath);
        const server = setting.server(target);
        const plan = await buildPlan(target, {
          command: 'load',
          data,
          datasets: [{ schema: flags.schema, style: flags.enums, usedBy: ['load'], modified: 'keep', fresh: !!flags.fresh, mismatch: 'refuse', distribute: flags.distribute }],
          scenarios: [],
          calibration,
          server,
          dataPath: setting.dataPath,
          freeBytesOverride: setting.freeBytesOverride,
          jobs: flags.jobs,
          schemaPrefix: 'pgscale',
          log: (line) => info(flags, line),
        });
        // Calibration loads (if any) measured something worth keeping, even for a dry run.
        writeCalibration(setting.calibrationPath, calibration);
        info(flags, describePlan(plan));
        if (flags.dryRun) return { plan };
        checkFreeSpace(plan, { force: !!flags.force, log: (line) => info(flags, line) });
        info(flags, `load: scale ${flags.scale} messages, seed ${flags.seed}, ${flags.months} months, enums ${flags.enums}, ${flags.jobs} jobs → schema ${flags.schema}${flags.part ? `, part ${flags.part.index}/${flags.part.count}` : ''}${flags.distribute ? `, distributed by ${flags.distribute}` : ''}`);
        const progress = loadProgress(flags);
        let summary: LoadSummary;
        try {
          summary = await load(target, {
            schema: flags.schema,
            data,
            enums: flags.enums,
            jobs: flags.jobs,
            fresh: !!flags.fresh,
            wait: flags.wait !== false,
            part: flags.part,
            distribute: flags.distribute,
            onEvent: progress.onEvent,
          });
        } finally {
          progress.stop();
        }
        // A part's time and footprint are not a whole load's: they would mislead the next plan.
        if (!summary.part) await recordLoad(target, calibration, server, summary);
        writeCalibration(setting.calibrationPath, calibration);
        return { plan, summary };
      });
      if (flags.json) printJson(result.summary ? { ...result.summary, plan: result.plan } : { dryRun: true, plan: result.plan });
      else if (result.summary) info(flags, describeSummary(result.summary));
      else info(flags, 'load: --dry-run — nothing was written');
    });
}

/** The human summary of a load. */
export function describeSummary(s: LoadSummary): string {
  const mb = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
  const lines = [
    s.part && !s.reused
      ? s.loadedChunks === 0
        ? `load: part ${s.part.index}/${s.part.count}: its chunks were all loaded already, nothing added`
        : `load: part ${s.part.index}/${s.part.count}: ${s.loadedChunks} chunks in ${s.seconds.data.toFixed(1)} s (${Math.round(s.rowsPerSecond).toLocaleString('en-US')} rows/s, ${s.megabytesPerSecond.toFixed(1)} MB/s)`
      : s.reused
      ? `load: schema ${s.schema} already held this data set (${s.totalRows.toLocaleString('en-US')} rows)`
      : `load: ${s.totalRows.toLocaleString('en-US')} rows in ${s.seconds.total.toFixed(1)} s (data ${s.seconds.data.toFixed(1)} s at ${Math.round(s.rowsPerSecond).toLocaleString('en-US')} rows/s, ${s.megabytesPerSecond.toFixed(1)} MB/s; indexes ${s.seconds.indexes.toFixed(1)} s; vacuum+analyze ${s.seconds.analyze.toFixed(1)} s)`,
  ];
  for (const [table, rows] of Object.entries(s.rows)) {
    lines.push(`  ${table.padEnd(18)} ${String(rows?.toLocaleString('en-US')).padStart(14)} rows  ${mb(s.diskBytes[table as keyof typeof s.diskBytes] ?? 0).padStart(11)}`);
  }
  if (s.part) lines.push(describePartOutcome(s));
  lines.push(
    `client: peak RSS ${mb(s.client.peakRssBytes)}, CPU ${s.client.cpuSeconds.toFixed(1)} s, event-loop lag p99 ${s.client.eventLoopLagP99Ms.toFixed(1)} ms`,
  );
  return lines.join('\n');
}

/** What a part leaves to the others: who completes the data set, and which chunks are still missing. */
function describePartOutcome(s: LoadSummary): string {
  const p = s.part!;
  if (p.completedBy === 'this part') return `load: every part's chunks are in: this part built the indexes and marked schema ${s.schema} complete`;
  if (p.completedBy === 'another part') return `load: schema ${s.schema} is complete (another part finished it)`;
  const r = p.remaining!;
  const parts = r.parts.map((i) => `${i}/${p.count}`).join(', ');
  return `load: schema ${s.schema} will be completed by the last part to finish: ${r.chunks} of ${r.of} chunks (${r.rows.toLocaleString('en-US')} rows) remain, of part${r.parts.length > 1 ? 's' : ''} ${parts}`;
}
