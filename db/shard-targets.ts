/**
 * Where the shards of a sharded target come from: `--shard URL` once per shard (any
 * servers), or `--target embedded --shards N`, N embedded servers each with its own home
 * (`<home>/shards/<i>`: data directory, credentials, log) and port. Pure resolution here;
 * openShards starts or connects them.
 */
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { PgscaleError } from '../core/errors.ts';
import { type Target, type TargetSpec, checkUrl, embeddedHome, openTarget } from './target.ts';

export interface ShardFlags {
  /** One URL per shard, in shard order. */
  shard?: string[];
  /** Start this many embedded servers. */
  shards?: number;
  databaseUrl?: string;
  target?: string;
  dataDir?: string;
}

/** Preferred port of the first embedded shard; the next ones count up (a free one is taken when busy). */
export const FIRST_SHARD_PORT = 54341;

/** The shards' specs, or undefined when the command has no sharded target. */
export function resolveShardSpecs(flags: ShardFlags, env: NodeJS.ProcessEnv, cwd: string, memoryBytes = totalmem()): TargetSpec[] | undefined {
  const urls = flags.shard ?? [];
  if (!urls.length && flags.shards === undefined) return undefined;
  if (urls.length && flags.shards !== undefined) {
    throw new PgscaleError('USAGE', '--shard and --shards cannot be combined', {
      hint: 'Give --shard URL once per server you run, or --target embedded --shards N to have pgscale start N servers.',
    });
  }
  if (flags.databaseUrl) {
    throw new PgscaleError('USAGE', '--database-url names one server; a sharded target is named by its shards', {
      hint: 'Drop --database-url and give --shard URL once per shard.',
    });
  }
  if (urls.length) {
    if (flags.target) throw new PgscaleError('USAGE', `--target ${flags.target} cannot be combined with --shard`, { hint: 'Each --shard URL is a server you run; drop --target.' });
    const seen = new Set<string>();
    return urls.map((url, i) => {
      checkUrl(url, `--shard #${i + 1}`);
      const u = new URL(url);
      const key = `${u.hostname}:${u.port || '5432'}${u.pathname}`;
      if (seen.has(key)) {
        throw new PgscaleError('USAGE', `--shard #${i + 1} names the same database as an earlier --shard (${key})`, {
          hint: 'Each shard must be a database of its own: a tenant lives on exactly one shard.',
        });
      }
      seen.add(key);
      return { kind: 'url', url, source: `--shard #${i + 1}` };
    });
  }
  if (flags.target && flags.target !== 'embedded') {
    throw new PgscaleError('USAGE', `--shards starts embedded servers and cannot be combined with --target ${flags.target}`, {
      hint: 'Use --target embedded --shards N, or --shard URL once per server you run.',
    });
  }
  const count = flags.shards!;
  const home = embeddedHome(flags, env, cwd);
  // The servers share this machine: each sizes its buffers from its share of the memory.
  return Array.from({ length: count }, (_, i) => ({ kind: 'embedded', home: join(home, 'shards', String(i + 1)), port: FIRST_SHARD_PORT + i, memoryBytes: Math.floor(memoryBytes / count) }));
}

/** Open every shard in order; on a failure, let go of those already open. */
export async function openShards(specs: readonly TargetSpec[], log: (line: string) => void = () => {}): Promise<Target[]> {
  const open: Target[] = [];
  try {
    for (const [i, spec] of specs.entries()) open.push(await openTarget(spec, (line) => log(`shard ${i + 1}/${specs.length}: ${line}`)));
    return open;
  } catch (err) {
    await closeShards(open);
    throw err;
  }
}

/** Let go of every shard (stopping the embedded servers this process started). */
export async function closeShards(targets: readonly Target[]): Promise<void> {
  await Promise.allSettled(targets.map((t) => t.close()));
}
