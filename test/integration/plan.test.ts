/**
 * The plan printed before `load` and `run` write: its disk estimate against what the load
 * then reports, the free-space refusal before any schema exists, and `run --variants`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspectSchema } from '../../db/schema.ts';
import { cleanEnv, runCli } from '../support/cli.ts';
import { TEST_HOME, dropSchema, testClient, testUrl, uniqueSchema } from '../support/db.ts';

const home = mkdtempSync(join(tmpdir(), 'pgscale-plan-'));

async function exists(schema: string): Promise<boolean> {
  const c = await testClient();
  try {
    return (await inspectSchema(c, schema)).exists;
  } finally {
    await c.end();
  }
}

for (const style of ['smallint', 'varchar'] as const) {
  test(`load --dry-run --json estimates the ${style} data set's disk bytes within 15 % of what the load then reports, and writes nothing`, async () => {
    const schema = uniqueSchema(`plan_${style}`);
    const args = ['load', '--scale', '100k', '--enums', style, '--schema', schema, '--database-url', await testUrl(), '--json'];
    const env = cleanEnv({ PGSCALE_HOME: home });
    const dry = await runCli([...args, '--dry-run'], { env });
    assert.is(dry.code, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout).plan;
    assert.is(plan.datasets[0].action, 'load');
    assert.is(plan.datasets[0].rows.message_history, 100_000);
    assert.not.ok(await exists(schema), 'a dry run creates no schema');
    try {
      const real = await runCli(args, { env });
      assert.is(real.code, 0, real.stderr);
      const summary = JSON.parse(real.stdout);
      const reported = Object.values(summary.diskBytes as Record<string, number>).reduce((a, b) => a + b, 0);
      const estimated = plan.datasets[0].bytes.total as number;
      assert.ok(Math.abs(estimated / reported - 1) <= 0.15, `estimated ${estimated} B, the load reported ${reported} B`);
    } finally {
      await dropSchema(schema);
    }
  });
}

test('an embedded server whose filesystem is too small: exit 1 with needed and free bytes before any schema is created; --force loads', async () => {
  const schema = uniqueSchema('plan_full');
  const args = ['load', '--scale', '20k', '--schema', schema, '--data-dir', TEST_HOME];
  const env = cleanEnv({ PGSCALE_TEST_FREE_BYTES: String(1024 * 1024) });
  const refused = await runCli(args, { env });
  assert.is(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /not enough disk: the plan needs [\d.]+ MiB .* but only 1\.0 MiB is free \(PGSCALE_TEST_FREE_BYTES/);
  assert.match(refused.stderr, /hint: Try .*--force/);
  assert.not.ok(await exists(schema), 'nothing was created');
  try {
    const forced = await runCli([...args, '--force'], { env });
    assert.is(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /going on \(--force\)/);
    assert.ok(await exists(schema));
  } finally {
    await dropSchema(schema);
  }
});

test('run --dry-run prints every data set with rows and bytes, the peak disk and the time, and exits 0 having loaded nothing', async () => {
  const prefix = uniqueSchema('plan_dry');
  // The scenarios of the smallint data sets: no calibration of the other styles needed.
  const r = await runCli(['run', 'time-index', 'n-plus-one', 'capacity', '--scale', '20k', '--schema-prefix', prefix, '--dry-run', '--database-url', await testUrl()], { env: cleanEnv({ PGSCALE_HOME: home }) });
  assert.is(r.code, 0, r.stderr);
  for (const schema of [`${prefix}_20k_1_smallint`, `${prefix}_traffic_20k_1_smallint`]) {
    assert.match(r.stderr, new RegExp(`load +${schema} \\(smallint; for `));
    assert.not.ok(await exists(schema));
  }
  assert.match(r.stderr, /scratch time-index: 2 copies of 2 months of message_history/);
  assert.match(r.stderr, /rows: tenants 3, bots 12, users 500, user_sessions [\d.]+k?, message_history 20k/);
  assert.match(r.stderr, /disk: peak [\d.]+ MiB added/);
  assert.match(r.stderr, /time: about \d+ (s|min)/);
  assert.match(r.stderr, /the database holds [\d.]+ [KMG]iB now/);
});

test('run enum-storage --variants smallint,varchar measures those two arms and records them', async () => {
  const prefix = uniqueSchema('plan_arms');
  const out = join(home, 'arms');
  const r = await runCli(['run', 'enum-storage', '--variants', 'smallint,varchar', '--scale', '10k', '--query-ms', '10', '--schema-prefix', prefix, '--out', out, '--database-url', await testUrl()], {
    env: cleanEnv({ PGSCALE_HOME: home }),
  });
  try {
    assert.is(r.code, 0, r.stderr);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.equal(results.scenarios[0].variants.map((v: { name: string }) => v.name), ['smallint', 'varchar']);
    assert.equal(results.scenarios[0].chosenVariants, ['smallint', 'varchar']);
    assert.not.ok(await exists(`${prefix}_10k_1_text`), 'the arms not chosen are not loaded');
  } finally {
    for (const style of ['smallint', 'varchar']) await dropSchema(`${prefix}_10k_1_${style}`);
  }
});

test('run --variants with an unknown arm is a usage error naming the known ones', async () => {
  const r = await runCli(['run', 'enum-storage', '--variants', 'smallint,bogus', '--database-url', 'postgres://u@127.0.0.1:1/x']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /unknown variant for enum-storage: bogus[\s\S]*Known variants: smallint, varchar, text, enum/);
});

test('run --sample --dry-run plans the per-row scenarios at the sample and the others at --scale, and says once which keep the full data set', async () => {
  const prefix = uniqueSchema('plan_sample_dry');
  const r = await runCli(['run', 'time-index', 'n-plus-one', '--scale', '40k', '--sample', '20k', '--schema-prefix', prefix, '--dry-run', '--database-url', await testUrl()], { env: cleanEnv({ PGSCALE_HOME: home }) });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`load +${prefix}_20k_1_smallint \\(smallint; for time-index\\)`));
  assert.match(r.stderr, new RegExp(`load +${prefix}_40k_1_smallint \\(smallint; for n-plus-one\\)`));
  assert.match(r.stderr, /per-row scenarios on a 20k sample \(--sample\)/);
  assert.is(r.stderr.match(/--sample applies to per-row scenarios only: n-plus-one runs on the full data set \(40k messages\)/g)?.length, 1);
  for (const scale of ['20k', '40k']) assert.not.ok(await exists(`${prefix}_${scale}_1_smallint`));
});

test('run enum-storage time-index --sample measures them on the sample, records it, and the findings say measured on 20k, projected to 40k', async () => {
  const prefix = uniqueSchema('plan_sample');
  const out = join(home, 'sample');
  const r = await runCli(['run', 'enum-storage', 'time-index', '--scale', '40k', '--sample', '20k', '--query-ms', '10', '--schema-prefix', prefix, '--out', out, '--database-url', await testUrl()], {
    env: cleanEnv({ PGSCALE_HOME: home }),
  });
  try {
    assert.is(r.code, 0, r.stderr);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.is(results.params.scale, 40_000, "the run's scale");
    const [enums, time] = results.scenarios;
    assert.equal([enums.name, enums.sampleRows, time.name, time.sampleRows], ['enum-storage', 20_000, 'time-index', 20_000]);
    assert.match(enums.finding, /measured on 20k \(a --sample of 40k\), projected to 40k: [\d.]+ [KM]iB of auto_tasks heap saved/);
    assert.match(time.finding, /measured on 20k \(a --sample of 40k\)/);
    assert.is(time.metrics.projectedRows, 40_000, 'projected to --scale when --project is not given');
    assert.ok(await exists(`${prefix}_20k_1_smallint`), 'the sample was loaded');
    assert.not.ok(await exists(`${prefix}_40k_1_smallint`), 'the full data set was not');
    assert.match(r.stderr, /scenario enum-storage: measured on a sample of 20k messages \(--sample\), projected to 40k/);
  } finally {
    for (const style of ['smallint', 'varchar', 'text', 'enum']) await dropSchema(`${prefix}_20k_1_${style}`);
  }
});

test('run --sample larger than --scale is a usage error before any server starts', async () => {
  const r = await runCli(['run', 'enum-storage', '--scale', '20k', '--sample', '40k', '--database-url', 'postgres://u@127.0.0.1:1/x']);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /--sample 40k is larger than --scale 20k/);
});

test.after(() => rmSync(home, { recursive: true, force: true }));

test.run();
