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
 * as cli/session.ts does for one target). With `interrupt`, a first Ctrl-C aborts it so
 * fn can write what it measured, and a second quits at once.
 */
export async function withShards<T>(flags: ShardFlags & ConnectionFlags, fn: (targets: Target[]) => Promise<T>, interrupt?: AbortController): Promise<T> {
  const specs = resolveShardSpecs(flags, process.env, process.cwd());
  if (!specs) throw new Error('withShards called without --shard or --shards');
  const targets = await openShards(specs, (line) => info(flags, line));
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= closeShards(targets));
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt && !interrupt.signal.aborted) {
      info(flags, `\npgscale: ${signal} received — finishing up and writing what was measured (again to quit at once)`);
      interrupt.abort(signal);
      process.once(signal, onSignal);
      return;
    }
    info(flags, `\npgscale: ${signal} received — stopping; committed chunks are kept on every shard, run the same command again to resume`);
    void close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    targets.forEach((t, i) => info(flags, `shard ${i + 1}/${targets.length}: ${t.describe}`));
    return await fn(targets);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await close();
  }
}
