import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { PgscaleError } from '../../core/errors.ts';
import { load } from '../../db/load.ts';
import { PLACEMENT } from '../../db/placement.ts';
import { loadSharded, tenantsByShard } from '../../db/shard-load.ts';
import { dropOwnedSchema } from '../../db/schema.ts';
import type { Target } from '../../db/target.ts';
import { TABLE_NAMES, deriveCounts } from '../../generators/index.ts';
import { TENANT_COLUMN } from '../../db/shard-route.ts';
import { TABLES } from '../../generators/tables.ts';
import { qualified, quoteIdent } from '../../db/quote.ts';
import { counts } from '../support/data.ts';
import { runCli, startCli } from '../support/cli.ts';
import { dropSchema, testClient, testTarget, uniqueSchema } from '../support/db.ts';
import { closeShards, testShards, unionDigests, urlOf } from '../support/shards.ts';

// 200k: enough chunks (27) to kill the load part-way, and four tenants, so both shards hold some.
const data = { scale: 200_000, seed: 5, months: 12 };
const schema = uniqueSchema('sharded');
const reference = uniqueSchema('shard_ref');
let shards: Target[];
let clients: pg.Client[];
let single: pg.Client;

async function committedChunks(c: pg.Client): Promise<number> {
  const r = await c.query(`SELECT count(*) AS n FROM ${qualified(schema, '_pgscale_load_log')}`).catch(() => ({ rows: [{ n: 0 }] }));
  return Number(r.rows[0].n);
}

test.before(async () => {
  shards = await testShards(2);
  clients = await Promise.all(shards.map((s) => s.connect()));
  await load(await testTarget(), { schema: reference, data, enums: 'smallint', jobs: 2, fresh: false });
  single = await testClient();
});

test.after(async () => {
  await single?.end();
  for (const c of clients ?? []) {
    await dropOwnedSchema(c, schema);
    await c.end();
  }
  await closeShards(shards ?? []);
  await dropSchema(reference);
});

test('a sharded load killed with SIGKILL part-way and run again completes on both shards', async () => {
  const args = ['load', '--scale', '200k', '--seed', '5', '--months', '12', '--jobs', '2', '--schema', schema, '--shard', urlOf(shards[0]), '--shard', urlOf(shards[1])];
  const first = startCli(args);
  for (let i = 0; i < 600 && (await committedChunks(clients[1])) < 3; i++) await new Promise((r) => setTimeout(r, 100));
  first.child.kill('SIGKILL');
  assert.is((await first.done).signal, 'SIGKILL');
  const atKill = await Promise.all(clients.map(committedChunks));
  assert.ok(atKill.every((n) => n < 27), `killed part-way (${atKill.join(' and ')} of 27 chunks committed)`);
  assert.ok(atKill[1] >= 3, 'the kill came after some chunks were committed');

  const second = await runCli(args);
  assert.is(second.code, 0, second.stderr);
  assert.match(second.stderr, /resuming/);
  assert.not.match(second.stderr + second.stdout, String(shards[0].config.password), 'no password is printed');
  for (const c of clients) {
    const meta = await c.query(`SELECT state FROM ${qualified(schema, '_pgscale_meta')}`);
    assert.is(meta.rows[0].state, 'complete');
  }
});

test('every tenant\'s rows are on exactly one shard, the one hashint8extended(tenant_id, 0) mod 2 names', async () => {
  const placed = tenantsByShard(deriveCounts(data).tenants, 2);
  assert.ok(placed[0].length > 0 && placed[1].length > 0, 'both shards hold tenants at this scale');
  for (const [s, c] of clients.entries()) {
    for (const t of TABLE_NAMES) {
      const column = quoteIdent(TABLES[t].columns[TENANT_COLUMN[t]]);
      const r = await c.query<{ tenant: string; n: string }>(`SELECT ${column} AS tenant, count(*) AS n FROM ${qualified(schema, t)} GROUP BY 1 ORDER BY 1`);
      assert.equal(r.rows.map((x) => Number(x.tenant)), placed[s], `${t} on shard ${s + 1} holds exactly its tenants`);
      const wrong = await c.query(`SELECT count(*) AS n FROM ${qualified(schema, t)} WHERE ((hashint8extended(${column}, 0) % 2) + 2) % 2 <> $1`, [s]);
      assert.is(Number(wrong.rows[0].n), 0, `${t}: the server's own hash agrees`);
    }
  }
});

test('per-table counts summed over the shards equal a single-server load\'s', async () => {
  const perShard = await Promise.all(clients.map((c) => counts(c, schema)));
  const summed = Object.fromEntries(TABLE_NAMES.map((t) => [t, perShard[0][t] + perShard[1][t]]));
  assert.equal(summed, await counts(single, reference));
});

test('the union of the shards is, row for row, the single-server load with the same seed and scale', async () => {
  assert.equal(await unionDigests(clients, schema), await unionDigests([single], reference));
});

test('each shard records its place in the layout in _pgscale_meta', async () => {
  for (const [s, c] of clients.entries()) {
    const r = await c.query(`SELECT params FROM ${qualified(schema, '_pgscale_meta')}`);
    assert.equal(r.rows[0].params.shard, { index: s, count: 2, placement: PLACEMENT });
  }
});

test('a load of the same data set is reused on every shard', async () => {
  const summary = await loadSharded(shards, { schema, data, enums: 'smallint', jobs: 1, fresh: false });
  assert.ok(summary.reused);
  assert.is(summary.loadedChunks, 0);
  assert.equal(summary.rows, await counts(single, reference));
});

test('the same shards in another order are another layout, and the load is refused', async () => {
  try {
    await loadSharded([shards[1], shards[0]], { schema, data, enums: 'smallint', jobs: 1, fresh: false });
    assert.unreachable('a swapped layout must be refused');
  } catch (err) {
    assert.instance(err, PgscaleError);
    assert.is((err as PgscaleError).code, 'MISMATCH');
    assert.match((err as Error).message, /shard 1 of 2/);
  }
});

test.run();
