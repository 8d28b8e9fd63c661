/**
 * `pgscale traffic --shard A --shard B` on two embedded shards, through the real CLI: each
 * transaction of the platform mix runs on its tenant's shard, none crosses shards, every
 * shard gets some, and what the run wrote is on the shard its tenant lives on.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PLACEMENT } from '../../db/placement.ts';
import { loadSharded } from '../../db/shard-load.ts';
import { dropOwnedSchema } from '../../db/schema.ts';
import type { Target } from '../../db/target.ts';
import { qualified } from '../../db/quote.ts';
import { parseResults } from '../../reports/schema.ts';
import { runCli } from '../support/cli.ts';
import { uniqueSchema } from '../support/db.ts';
import { closeShards, testShards, urlOf } from '../support/shards.ts';

// Three tenants at this scale: tenants 1 and 2 on shard 1, tenant 3 on shard 2.
const data = { scale: 20_000, seed: 7, months: 3 };
const schema = uniqueSchema('trafficshards');
const dir = mkdtempSync(join(tmpdir(), 'pgscale-traffic-shards-'));
let shards: Target[];
let clients: pg.Client[];

test.before(async () => {
  shards = await testShards(2);
  clients = await Promise.all(shards.map((s) => s.connect()));
  await loadSharded(shards, { schema, data, enums: 'smallint', jobs: 1, fresh: false });
});

test.after(async () => {
  for (const c of clients ?? []) {
    await dropOwnedSchema(c, schema);
    await c.end();
  }
  await closeShards(shards ?? []);
  rmSync(dir, { recursive: true, force: true });
});

const traffic = (out: string, extra: string[], order = [0, 1]) =>
  runCli(['traffic', '--schema', schema, ...order.flatMap((i) => ['--shard', urlOf(shards[i])]), '--clients', '4', '--threads', '1', '--duration', '3s', '--warmup', '1s', '--out', join(dir, out), ...extra]);
const read = (out: string) => parseResults(JSON.parse(readFileSync(join(dir, out, 'results.json'), 'utf8')));

test('the platform mix on two shards: no cross-shard transaction, every shard gets some, the shards add up to the whole', async () => {
  const run = await traffic('platform', ['--mix', 'platform']);
  assert.is(run.code, 0, run.stderr);
  const r = read('platform');
  const t = r.traffic!;
  assert.equal(r.shardLayout, { count: 2, placement: PLACEMENT });
  assert.ok(t.shards, 'the results hold per-shard figures');
  assert.is(t.shards!.crossShardTransactions, 0);
  assert.ok(t.transactions > 0);
  for (const s of t.shards!.perShard) assert.ok(s.transactions > 0 && s.rate > 0, `shard ${s.shard} got transactions`);
  assert.is(t.shards!.perShard.reduce((a, s) => a + s.transactions, 0), t.transactions);
  assert.match(run.stdout, /cross-shard transactions: 0/);
  assert.match(run.stdout, /shard 2\/2: [\d,]+ transactions/);
  const password = String(shards[0].config.password);
  assert.not.ok((run.stdout + run.stderr + readFileSync(join(dir, 'platform', 'results.json'), 'utf8')).includes(password), 'no password is printed or recorded');
});

test("what the run wrote is on its tenant's shard, and its messages' sessions are on the same shard", async () => {
  for (const [s, c] of clients.entries()) {
    const since = `(SELECT min(clock_from) FROM ${qualified(schema, '_pgscale_traffic')})`;
    for (const table of ['message_history', 'analytics_events', 'user_sessions', 'auto_tasks']) {
      const wrong = await c.query(`SELECT count(*) AS n FROM ${qualified(schema, table)} WHERE created_at >= ${since} AND ((hashint8extended(tenant_id, 0) % 2) + 2) % 2 <> $1`, [s]);
      assert.is(Number(wrong.rows[0].n), 0, `${table} on shard ${s + 1}: only its tenants' new rows`);
    }
    const written = await c.query(`SELECT count(*) AS n FROM ${qualified(schema, 'message_history')} WHERE created_at >= ${since}`);
    assert.ok(Number(written.rows[0].n) > 0, `shard ${s + 1} got new messages`);
    const orphans = await c.query(
      `SELECT count(*) AS n FROM ${qualified(schema, 'message_history')} m WHERE m.created_at >= ${since} AND NOT EXISTS (SELECT 1 FROM ${qualified(schema, 'user_sessions')} u WHERE u.id = m.session_id)`,
    );
    assert.is(Number(orphans.rows[0].n), 0, `every new message on shard ${s + 1} belongs to a session on that shard`);
  }
});

test('a transaction that names tenants on two shards is counted as cross-shard', async () => {
  const module = join(dir, 'two-tenants.mjs');
  // Tenant 1 lives on shard 1, tenant 3 on shard 2 (db/placement.ts).
  writeFileSync(module, "export const transactions = [{ name: 'two-tenants', weight: 1, async run(db, r, ctx) { ctx.tenant(1); ctx.tenant(3); await db.query('SELECT 1'); } }];\n");
  const run = await traffic('cross', ['--workload', module, '--quiet']);
  assert.is(run.code, 0, run.stderr);
  const t = read('cross').traffic!;
  assert.ok(t.transactions > 0);
  assert.is(t.shards!.crossShardTransactions, t.transactions);
  assert.is(t.shards!.perShard[0].transactions, t.transactions, "each ran on the first tenant's shard");
});

test('the shards in another order are another layout: refused, naming the shard', async () => {
  const run = await traffic('swapped', ['--mix', 'platform', '--quiet'], [1, 0]);
  assert.is.not(run.code, 0);
  assert.match(run.stderr, /shard 1\/2: schema '\w+' holds shard 2 of 2/);
});

test('a pgbench script on shards is refused before anything connects: it names no tenant', async () => {
  const run = await traffic('script', ['--script', 'bench/scripts/select-only.sql']);
  assert.is(run.code, 2, run.stderr);
  assert.match(run.stderr, /--script cannot run on a sharded target/);
  assert.match(run.stderr, /ctx\.tenant/);
});

test.run();
