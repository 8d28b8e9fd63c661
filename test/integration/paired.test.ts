/**
 * A paired run against the real server, at a tiny scale: this checkout against itself
 * (`--baseline-ref HEAD`, a real git worktree and child `pgscale run`s) is no
 * regression; the same with an index dropped during the current build's runs is one,
 * in the queries that index serves.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ArmStep, runPaired } from '../../cli/paired-run.ts';
import { PGSCALE_ROOT } from '../../cli/worktree.ts';
import { comparePaired } from '../../reports/compare-paired.ts';
import { loadPaired } from '../../reports/paired.ts';
import { selectScenarios } from '../../scenarios/index.ts';
import { datasetSchema } from '../../scenarios/runner.ts';
import { regressedIds } from '../support/gate.ts';
import { dropSchema, testClient, testTarget, testUrl, uniqueSchema } from '../support/db.ts';

const PREFIX = uniqueSchema('paired');
const DATA = { scale: 20_000, seed: 5, months: 3 };
const out = mkdtempSync(join(tmpdir(), 'pgscale-paired-'));

function isGitClone(): boolean {
  try {
    execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PGSCALE_ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function paired(dir: string, rounds: number, around?: Parameters<typeof runPaired>[1]['around']) {
  const flags = { ...DATA, jobs: 2, schemaPrefix: PREFIX, queryMs: 100, rounds, baselineRef: 'HEAD', databaseUrl: await testUrl(), quiet: true };
  return runPaired(await testTarget(), { flags, scenarios: selectScenarios(['n-plus-one']), out: join(out, dir), log: () => {}, around });
}

test.after(async () => {
  await dropSchema(datasetSchema(PREFIX, DATA, 'smallint')).catch(() => undefined);
  rmSync(out, { recursive: true, force: true });
});

test('paired A/A (this checkout against HEAD): both arms written, no regression', async () => {
  if (!isGitClone()) {
    console.log('  skipped: not a git clone, so there is no HEAD to check out');
    return;
  }
  const { paired: run, files } = await paired('aa', 3);
  assert.is(run.rounds.length, 3);
  for (const f of ['paired.json', 'compare.md', 'baseline/results.json', 'current/results.json']) assert.ok(files.includes(join(out, 'aa', f)), `${f} written`);
  // Both builds are this commit, and each round ran them in alternating order.
  assert.is(run.baseline.gitSha, run.current.gitSha);
  assert.equal(run.rounds.map((r) => r.order['n-plus-one'][0]), ['baseline', 'current', 'baseline']);
  const c = comparePaired(loadPaired(join(out, 'aa', 'paired.json')));
  assert.ok(c.paired.tested > 10, `${c.paired.tested} metrics tested`);
  assert.equal(regressedIds(c), [], readFileSync(join(out, 'aa', 'compare.md'), 'utf8').slice(0, 3000));
});

test('paired with idx_messages_session dropped while the current build runs: its queries regress', async () => {
  if (!isGitClone()) return;
  const schema = datasetSchema(PREFIX, DATA, 'smallint');
  const client = await testClient();
  const around = {
    async before(step: ArmStep) {
      if (step.arm === 'current') await client.query(`DROP INDEX ${schema}.idx_messages_session`);
    },
    async after(step: ArmStep) {
      if (step.arm === 'current') await client.query(`CREATE INDEX idx_messages_session ON ${schema}.message_history (session_id, message_index); ANALYZE ${schema}.message_history`);
    },
  };
  try {
    const { paired: run } = await paired('planted', 2, around);
    const c = comparePaired(run);
    const regressed = regressedIds(c);
    // The index serves whole variants: their queries move together, so the regression shows
    // in those variants' shift rows (or in single queries beyond them).
    assert.ok(regressed.some((id) => id.startsWith('n-plus-one/') && (id.includes('/latency/') || id.endsWith('/latency-shift'))), `regressed: ${regressed.join(', ')}`);
    // The index's own size row is gone from the current arm: reported, and only n-plus-one moved.
    assert.ok(regressed.every((id) => id.startsWith('n-plus-one/')), regressed.join(', '));
  } finally {
    await client.end();
  }
});

test.run();
