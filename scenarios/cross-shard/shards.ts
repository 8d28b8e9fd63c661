/**
 * The shards cross-shard measures: embedded servers of pgscale's own, started beside the
 * run's embedded server (`<home>/shards/<i>`, the home `load --target embedded --shards N`
 * uses), each layout's data set loaded with the sharded loader under its own schema. The
 * first `n` servers hold the `n`-shard layout, so three servers serve layouts of 2 and 3.
 */
import { totalmem } from 'node:os';
import { dirname } from 'node:path';
import type pg from 'pg';
import { loadSharded } from '../../db/shard-load.ts';
import { closeShards, openShards, resolveShardSpecs } from '../../db/shard-targets.ts';
import type { Target } from '../../db/target.ts';
import type { ScenarioContext } from '../index.ts';

/** One layout: `count` shards, one open client per shard (in shard order) and its schema. */
export interface Layout {
  count: number;
  schema: string;
  clients: pg.Client[];
}

/** The running shards and their layouts; `close` ends the clients and stops the servers. */
export interface Shards {
  targets: Target[];
  layouts: Layout[];
  close(): Promise<void>;
}

/** The schema of the `count`-shard layout of a data set. */
export function layoutSchema(dataset: string, count: number): string {
  return `${dataset}_shards${count}`;
}

/** The embedded target's home: the parent of its data directory (db/embedded.ts keeps it at `<home>/data`). */
async function homeOf(client: pg.Client): Promise<string> {
  const r = await client.query<{ data_directory: string }>('SHOW data_directory');
  return dirname(r.rows[0].data_directory);
}

/** Start max(counts) embedded shards beside the target and load the data set of `dataset` on each layout. */
export async function startShards(ctx: ScenarioContext, admin: pg.Client, dataset: string, counts: readonly number[]): Promise<Shards> {
  const home = await homeOf(admin);
  const most = Math.max(...counts);
  // The shards share the machine with the single server: together they take half of its memory.
  const specs = resolveShardSpecs({ shards: most, dataDir: home }, {}, home, Math.floor(totalmem() / 2))!;
  const targets = await openShards(specs, ctx.log);
  const layouts: Layout[] = [];
  const close = async () => {
    for (const l of layouts) await Promise.allSettled(l.clients.map((c) => c.end()));
    await closeShards(targets);
  };
  try {
    for (const count of counts) {
      const schema = layoutSchema(dataset, count);
      ctx.log(`cross-shard: loading the data set across ${count} shards (schema ${schema}; reused when complete)`);
      await loadSharded(targets.slice(0, count), { schema, data: ctx.data, enums: 'smallint', jobs: ctx.jobs, fresh: false, wait: true });
      const layout: Layout = { count, schema, clients: [] };
      layouts.push(layout);
      for (const t of targets.slice(0, count)) layout.clients.push(await t.connect());
    }
    return { targets, layouts, close };
  } catch (err) {
    await close();
    throw err;
  }
}
