/** `pgscale load --shard URL …` / `--target embedded --shards N`: one data set across shards. */
import { type ShardedLoadSummary, loadSharded, tenantsByShard } from '../db/shard-load.ts';
import { deriveCounts } from '../generators/index.ts';
import { describeSummary } from './load.ts';
import type { LoadFlags } from './options.ts';
import { info, printJson } from './output.ts';
import { loadProgress } from './progress.ts';
import { type ShardFlags, withShards } from './shard.ts';

/** Run a sharded load and print its summary. */
export async function runShardedLoad(flags: LoadFlags & ShardFlags): Promise<void> {
  const data = { scale: flags.scale, seed: flags.seed, months: flags.months };
  const result = await withShards(flags, async (targets) => {
    const placed = tenantsByShard(deriveCounts(data).tenants, targets.length);
    const layout = placed.map((t, s) => `  shard ${s + 1}/${targets.length}: ${t.length} tenant${t.length === 1 ? '' : 's'}${t.length ? ` (${describeIds(t)})` : ''}`).join('\n');
    info(flags, `load: ${targets.length} shards, tenants placed by hashint8extended(tenant_id, 0) mod ${targets.length}:\n${layout}`);
    if (placed.some((t) => t.length === 0)) info(flags, 'load: a shard holds no tenant at this scale and will be empty (more tenants come with a larger --scale: one per 50k messages)');
    if (flags.dryRun) return undefined;
    info(flags, `load: scale ${flags.scale} messages, seed ${flags.seed}, ${flags.months} months, enums ${flags.enums}, ${flags.jobs} jobs → schema ${flags.schema} on every shard`);
    const progress = loadProgress(flags);
    try {
      return await loadSharded(targets, { schema: flags.schema, data, enums: flags.enums, jobs: flags.jobs, fresh: !!flags.fresh, wait: flags.wait !== false, onEvent: progress.onEvent });
    } finally {
      progress.stop();
    }
  });
  if (!result) {
    if (flags.json) printJson({ dryRun: true });
    else info(flags, 'load: --dry-run — nothing was written');
    return;
  }
  if (flags.json) printJson(result);
  else info(flags, describeSharded(result));
}

/** A short list of ids: `1, 2, 5` or `1, 2, 5, … (40 in all)`. */
function describeIds(ids: number[]): string {
  return ids.length <= 8 ? ids.join(', ') : `${ids.slice(0, 8).join(', ')}, …`;
}

/** The load summary with a line per shard. */
export function describeSharded(s: ShardedLoadSummary): string {
  const lines = [describeSummary(s)];
  for (const part of s.shards) {
    const rows = Object.values(part.rows).reduce((a, b) => a + (b ?? 0), 0);
    lines.push(`  shard ${part.index + 1}/${s.shards.length} ${part.describe}: ${rows.toLocaleString('en-US')} rows, ${part.tenants.length} tenant${part.tenants.length === 1 ? '' : 's'}${part.reused ? ' (already complete)' : ''}`);
  }
  return lines.join('\n');
}
