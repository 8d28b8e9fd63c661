/**
 * cross-shard's physics: the fan-out merged in the client answers exactly what one server
 * holding all the data answers; and on a target pgscale did not start it is skipped, saying why.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { load } from '../../db/load.ts';
import { dropOwnedSchema } from '../../db/schema.ts';
import { loadSharded } from '../../db/shard-load.ts';
import { type Target, openTarget } from '../../db/target.ts';
import { deriveCounts } from '../../generators/index.ts';
import { crossShard, fanOut, singleAnswer } from '../../scenarios/cross-shard/index.ts';
import { QUESTIONS } from '../../scenarios/cross-shard/plan.ts';
import { datasetSchema, runScenarios } from '../../scenarios/runner.ts';
import { dropSchema, testClient, testTarget, testUrl, uniqueSchema } from '../support/db.ts';
import { closeShards, testShards } from '../support/shards.ts';

const data = { scale: 20_000, seed: 11, months: 12 };
const schema = uniqueSchema('xshard');
const reference = uniqueSchema('xshard_ref');
let shards: Target[] = [];
let clients: pg.Client[] = [];
let single: pg.Client | undefined;

test.before(async () => {
  shards = await testShards(2);
  clients = await Promise.all(shards.map((s) => s.connect()));
  await load(await testTarget(), { schema: reference, data, enums: 'smallint', jobs: 2, fresh: false });
  await loadSharded(shards, { schema, data, enums: 'smallint', jobs: 2, fresh: false });
  single = await testClient();
});

test.after(async () => {
  await single?.end();
  for (const c of clients) {
    await dropOwnedSchema(c, schema);
    await c.end();
  }
  await closeShards(shards);
  await dropSchema(reference);
});

test('the fan-out over two shards, merged in the client, returns exactly the single server\'s answer', async () => {
  const layout = { count: 2, schema, clients };
  for (const q of QUESTIONS) {
    const whole = await singleAnswer(single!, reference, q);
    assert.ok(whole.length > 0, `${q}: the single server answers something`);
    assert.equal(await fanOut(layout, q), whole, q);
  }
  // Every message is counted once: the merged days add up to the data set's messages.
  const days = (await fanOut(layout, 'daily-messages')) as Array<{ messages: string }>;
  assert.is(days.reduce((a, d) => a + Number(d.messages), 0), deriveCounts(data).messages);
});

test('on a server pgscale did not start, cross-shard is skipped and says how to run it', async () => {
  const url = await openTarget({ kind: 'url', url: await testUrl(), source: 'test' });
  const prefix = uniqueSchema('xshard_url');
  const r = await runScenarios(url, { data, scenarios: [crossShard], jobs: 2, schemaPrefix: prefix, latency: { timeMs: 10, warmupMs: 2, minSamples: 1 } });
  const s = r.scenarios[0];
  assert.is(s.status, 'ok', s.error?.message);
  assert.is(s.skipped, true);
  assert.match(s.finding, '--target embedded');
  await dropSchema(datasetSchema(prefix, data, 'smallint'));
});

test.run();
