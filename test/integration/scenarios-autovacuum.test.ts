/**
 * autovacuum on the test server at a small scale: what is certain whatever the launcher's
 * timing — the aggressive arm's tables carry the design's settings and the default arm's
 * none, the churn left dead rows that the sampler saw, the series cover the arms, and
 * the naptime is back to what the server had. Where pgscale may shorten the naptime, the
 * aggressive arm's threshold is crossed within a second of churn, so it must have been
 * autovacuumed. The measured values stay in the results.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspectSchema } from '../../db/schema.ts';
import { autovacuum } from '../../scenarios/autovacuum/index.ts';
import { datasetSchema } from '../../scenarios/runner.ts';
import { testClient, testTarget } from '../support/db.ts';
import { scenarioRun, variant } from '../support/scenario-run.ts';

const RUN = scenarioRun('av', [autovacuum]);

let naptimeBefore: Promise<string> | undefined;
/** The server's naptime before the run (read first, so the run starts after). */
function serverNaptime(): Promise<string> {
  naptimeBefore ??= testClient().then(async (c) => {
    try {
      return (await c.query<{ s: string }>("SELECT current_setting('autovacuum_naptime') AS s")).rows[0].s;
    } finally {
      await c.end();
    }
  });
  return naptimeBefore;
}

async function scenario() {
  await serverNaptime();
  return RUN.scenario();
}

test('the aggressive arm\'s tables carry the design\'s scale factors and the default arm\'s none', async () => {
  const s = await scenario();
  assert.equal(s.variants.map((v) => v.name), ['default', 'aggressive']);
  const aggressive = variant(s, 'aggressive').description ?? '';
  for (const table of ['user_sessions', 'auto_tasks']) assert.match(aggressive, `${table}: autovacuum_vacuum_scale_factor=0.02, autovacuum_analyze_scale_factor=0.01`);
  assert.not.match(variant(s, 'default').description ?? '', 'autovacuum_vacuum_scale_factor');
});

test('both arms churned at the same offered rate and the sampler saw dead rows on both tables', async () => {
  const s = await scenario();
  for (const v of s.variants) {
    assert.ok((v.metrics.rate ?? 0) > 0, `${v.name} ran transactions`);
    assert.ok((v.metrics.sessionsDeadMax ?? 0) > 0 && (v.metrics.tasksDeadMax ?? 0) > 0, `${v.name}: dead rows seen (${v.metrics.sessionsDeadMax}, ${v.metrics.tasksDeadMax})`);
    assert.ok((v.metrics.samples ?? 0) >= 3, `${v.name}: ${v.metrics.samples} samples`);
  }
});

test('every series covers the arm with one point per sample, dead rows included', async () => {
  const s = await scenario();
  for (const v of s.variants) {
    const names = (v.series ?? []).map((x) => x.name);
    for (const name of ['n_dead_tup — user_sessions', 'n_dead_tup — auto_tasks', 'autovacuum runs — user_sessions', 'p99 latency per second — the churn']) assert.ok(names.includes(name), `${v.name} has ${name}`);
    const dead = v.series!.find((x) => x.name === 'n_dead_tup — user_sessions')!;
    assert.is(dead.points.length, v.metrics.samples, `${v.name}: one point per sample`);
    assert.ok(dead.points.every((p, i) => i === 0 || p.seconds > dead.points[i - 1].seconds), 'in time order');
    assert.ok(Math.max(...dead.points.map((p) => p.value)) >= (v.metrics.sessionsDeadMax ?? Infinity), `${v.name}: the churn's peak is among the points`);
  }
});

test('where pgscale shortened the naptime, the aggressive arm was autovacuumed on both tables', async () => {
  const s = await scenario();
  const m = variant(s, 'aggressive').metrics;
  const target = await testTarget();
  if (target.kind === 'url') {
    assert.match(s.notes?.join(' ') ?? '', /autovacuum_naptime stayed at the server's/);
    return;
  }
  assert.ok((m.naptimeSeconds ?? 60) < (m.armSeconds ?? 0), `naptime ${m.naptimeSeconds} s, arms ${m.armSeconds} s`);
  assert.ok((m.sessionsAutovacuums ?? 0) >= 1, `user_sessions: ${m.sessionsAutovacuums}`);
  assert.ok((m.tasksAutovacuums ?? 0) >= 1, `auto_tasks: ${m.tasksAutovacuums}`);
  assert.match(s.finding, /set by pgscale for the scenario/);
});

test('the server\'s naptime is back to what it was, and the scratch copies are gone', async () => {
  const before = await serverNaptime();
  await scenario();
  const c = await testClient();
  try {
    assert.is((await c.query<{ s: string }>("SELECT current_setting('autovacuum_naptime') AS s")).rows[0].s, before);
    for (const suffix of ['av_probe', 'av_default', 'av_aggressive']) assert.is((await inspectSchema(c, datasetSchema(RUN.prefix, RUN.data, suffix))).exists, false, suffix);
  } finally {
    await c.end();
  }
});

test('clean up the data set this file loaded', () => RUN.cleanUp());

test.run();
