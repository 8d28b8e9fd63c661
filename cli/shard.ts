/**
 * The sharded target on the command line: `--shard URL` (repeatable) and `--shards N`
 * (with --target embedded), shared by load, run and traffic, and the session that opens
 * every shard and always lets go of them.
 */
import { type Command, Option } from 'commander';
import { parseInteger } from '../core/flags.ts';
import { type ShardFlags, closeShards, openShards, resolveShardSpecs } from '../db/shard-targets.ts';
import type { Target } from '../db/target.ts';
import type { ConnectionFlags } from './options.ts';
import { info } from './output.ts';
import { withSession } from './session.ts';

export type { ShardFlags } from '../db/shard-targets.ts';

/** Add --shard and --shards to a command. */
export function shardOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--shard <url>', 'one shard of a tenant-sharded target; repeat once per shard, in a fixed order (docs/sharding.md)').argParser(
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      ),
    )
    .addOption(new Option('--shards <n>', 'with --target embedded: start N embedded servers as the shards').argParser(parseInteger('--shards', 1, 64)));
}

/** True when the flags name a sharded target. */
export function isSharded(flags: ShardFlags): boolean {
  return !!flags.shard?.length || flags.shards !== undefined;
}

/**
 * Run fn against every shard, closing them afterwards (on success, failure and Ctrl-C,
 * through cli/session.ts's withSession, as for one target). With `interrupt`, a first Ctrl-C aborts it so
 * fn can write what it measured, and a second quits at once.
 */
export async function withShards<T>(flags: ShardFlags & ConnectionFlags, fn: (targets: Target[]) => Promise<T>, interrupt?: AbortController): Promise<T> {
  const specs = resolveShardSpecs(flags, process.env, process.cwd());
  if (!specs) throw new Error('withShards called without --shard or --shards');
  const targets = await openShards(specs, (line) => info(flags, line));
  return withSession(
    flags,
    {
      close: () => closeShards(targets),
      kept: 'committed chunks are kept on every shard',
      describe: targets.map((t, i) => `shard ${i + 1}/${targets.length}: ${t.describe}`),
    },
    () => fn(targets),
    interrupt,
  );
}
