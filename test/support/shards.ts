/**
 * Embedded shards for the sharded-target tests (under .pgscale/test-shards, apart from
 * the shared test server), and checks that read a data set across shards.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type pg from 'pg';
import { closeShards, openShards, resolveShardSpecs } from '../../db/shard-targets.ts';
import type { Target } from '../../db/target.ts';
import { TABLE_NAMES } from '../../generators/index.ts';
import { qualified } from '../../db/quote.ts';
import { ROOT } from './db.ts';

const HOME = join(ROOT, '.pgscale', 'test-shards');

/** Start (or share) `count` embedded shards; the caller closes them with closeShards. */
export async function testShards(count: number): Promise<Target[]> {
  // Each test server sizes its buffers from a small share: they share the machine with the rest of the suite.
  return openShards(resolveShardSpecs({ shards: count, dataDir: HOME }, {}, ROOT, 1 << 30)!);
}

export { closeShards };

/** A URL a spawned `pgscale` can use for a target. */
export function urlOf(target: Target): string {
  const c = target.config;
  return `postgres://${encodeURIComponent(String(c.user))}:${encodeURIComponent(String(c.password))}@${c.host}:${c.port}/${c.database}`;
}

/**
 * An ordered digest of a table's rows over several databases: the md5 of every row's text,
 * sorted, hashed together. The same rows spread over shards in any way give the same digest.
 */
export async function unionDigest(clients: pg.Client[], schema: string, table: string): Promise<string> {
  const all: string[] = [];
  for (const c of clients) {
    const r = await c.query<{ h: string }>(`SELECT md5(t::text) AS h FROM ${qualified(schema, table)} t`);
    for (const row of r.rows) all.push(row.h);
  }
  all.sort();
  return createHash('md5').update(all.join('')).digest('hex');
}

/** unionDigest of every generated table. */
export async function unionDigests(clients: pg.Client[], schema: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TABLE_NAMES) out[t] = await unionDigest(clients, schema, t);
  return out;
}
