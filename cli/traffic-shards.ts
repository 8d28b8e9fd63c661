/**
 * `pgscale traffic --shard URL …` / `--target embedded --shards N`: the sharded data set a
 * load test runs on. Every shard must hold its own part of one data set, in this layout
 * (its place recorded in `_pgscale_meta` by `pgscale load --shard`, db/shard-load.ts): a
 * shard holding a whole single-server data set, another layout's part or another order's
 * would have its transactions look up tenants it does not hold, so it is refused.
 */
import type pg from 'pg';
import { PgscaleError } from '../core/errors.ts';
import { PLACEMENT } from '../db/placement.ts';
import { loadSharded } from '../db/shard-load.ts';
import { type SchemaParams, inspectSchema, trafficWrites } from '../db/schema.ts';
import type { Target } from '../db/target.ts';
import type { EnumStyle } from '../generators/enums.ts';
import type { ShardLayout } from '../reports/schema.ts';
import { datasetSchema } from '../scenarios/runner.ts';
import { loadProgress } from './progress.ts';
import type { ShardFlags } from './shard.ts';

/** The layout a results file records: shard count and placement, never the servers' addresses. */
export function resultsLayout(count: number): ShardLayout {
  return { count, placement: PLACEMENT };
}

/** What a sharded data set's check needs from the command line. */
export interface ShardedDatasetFlags extends ShardFlags {
  schema?: string;
  scale: number;
  seed: number;
  months: number;
  enums: EnumStyle;
  jobs: number;
  fresh?: boolean;
  json?: boolean;
  quiet?: boolean;
}

type DatasetParams = { scale: number; seed: number; months: number; enums: 'smallint' | 'varchar' };

/** How a shard's meta describes its place, for messages. */
function describePlace(p: SchemaParams): string {
  return p.shard ? `shard ${p.shard.index + 1} of ${p.shard.count}` : 'a whole single-server data set, not a shard';
}

/**
 * Check that `schema` is, on every shard, a complete part of one data set in this layout,
 * shard i holding part i; return the data set's parameters.
 */
export async function checkShardedDataset(admins: readonly pg.Client[], schema: string): Promise<DatasetParams> {
  const count = admins.length;
  let first: SchemaParams | undefined;
  for (const [i, admin] of admins.entries()) {
    const label = `shard ${i + 1}/${count}`;
    const found = await inspectSchema(admin, schema);
    if (!found.owned || !found.params || found.state !== 'complete') {
      throw new PgscaleError('USAGE', `${label}: schema '${schema}' is not a complete pgscale data set${found.exists && !found.owned ? ' (pgscale did not create it)' : found.exists ? ` (its load is ${found.state})` : ' (it does not exist)'}`, {
        hint: `Load it on every shard first: pgscale load --schema ${schema} with the same --shard list, in the same order.`,
      });
    }
    const p = found.params;
    const s = p.shard;
    if (!s || s.index !== i || s.count !== count || s.placement !== PLACEMENT) {
      throw new PgscaleError('MISMATCH', `${label}: schema '${schema}' holds ${describePlace(p)}${s && s.placement !== PLACEMENT ? ` placed by ${s.placement}` : ''}, but this run names ${count} shards with it as shard ${i + 1}`, {
        hint: 'Give the --shard list the data set was loaded with, in the same order, or load it for this layout (pgscale load --fresh with this --shard list).',
      });
    }
    if (p.enums !== 'smallint' && p.enums !== 'varchar') throw new PgscaleError('USAGE', `schema '${schema}' stores enums as ${p.enums}: the traffic mixes run on smallint or varchar data sets`);
    if (first && (p.scale !== first.scale || p.seed !== first.seed || p.months !== first.months || p.enums !== first.enums || p.generatorVersion !== first.generatorVersion)) {
      throw new PgscaleError('MISMATCH', `${label}: schema '${schema}' is part of another data set than shard 1's (scale ${p.scale}, seed ${p.seed} against scale ${first.scale}, seed ${first.seed})`, {
        hint: 'Load the data set again on every shard: pgscale load --fresh with this --shard list.',
      });
    }
    first ??= p;
  }
  const p = first!;
  return { scale: p.scale, seed: p.seed, months: p.months, enums: p.enums as DatasetParams['enums'] };
}

/**
 * The data set of a sharded load test: --schema as it is, else the traffic data set for
 * these parameters, loaded across the shards when missing (reused when complete).
 */
export async function shardedDataset(
  targets: readonly Target[],
  admins: readonly pg.Client[],
  flags: ShardedDatasetFlags,
  prefix: string,
  log: (line: string) => void,
): Promise<{ schema: string; params: DatasetParams }> {
  if (flags.schema) return { schema: flags.schema, params: await checkShardedDataset(admins, flags.schema) };
  const data = { scale: flags.scale, seed: flags.seed, months: flags.months };
  const schema = datasetSchema(prefix, data, flags.enums);
  log(`data set ${schema}: loading or reusing on ${targets.length} shards`);
  const progress = loadProgress(flags);
  try {
    await loadSharded(targets, { schema, data, enums: flags.enums, jobs: flags.jobs, fresh: !!flags.fresh, onEvent: progress.onEvent });
  } finally {
    progress.stop();
  }
  const params = await checkShardedDataset(admins, schema);
  const earlier = Math.max(...(await Promise.all(admins.map((a) => trafficWrites(a, schema)))));
  if (earlier > 0) log(`traffic: ${schema} holds ${earlier.toLocaleString('en-US')} transactions of earlier load tests: figures are comparable only with runs on the same data (--fresh reloads it)`);
  return { schema, params };
}
