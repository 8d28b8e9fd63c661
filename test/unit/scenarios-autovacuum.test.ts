/** autovacuum's wording rules, on samples made up to sit on either side of each rule. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ArmFacts, autovacuumFinding, deadVerdict, tableFacts } from '../../scenarios/autovacuum/findings.ts';
import type { Sample } from '../../scenarios/autovacuum/sampler.ts';
import { sparkline } from '../../reports/series.ts';

/** Samples one second apart of user_sessions with these dead-row counts and autovacuum counts. */
function samples(dead: number[], autovacuums: number[] = dead.map(() => 0)): Sample[] {
  return dead.map((d, i) => ({ seconds: i, tables: { user_sessions: { live: 1000, dead: d, autovacuums: autovacuums[i], autoanalyzes: 0, updates: 10 * i, hotUpdates: 0 } } }));
}

test('dead rows differ only when the middle halves of the samples do not overlap', () => {
  const spread = (lo: number, hi: number) => ({ mean: (lo + hi) / 2, p25: lo, p75: hi, max: hi });
  assert.is(deadVerdict(spread(1000, 4000), spread(100, 500)), 'fewer');
  assert.is(deadVerdict(spread(100, 500), spread(1000, 4000)), 'more');
  assert.is(deadVerdict(spread(100, 1500), spread(1000, 4000)), 'no clear difference');
});

test('dead rows are summarised over the churn only, autovacuums counted from the last sample before it', () => {
  // Idle zeros for 3 s while the engine starts, then the churn.
  const f = tableFacts(samples([0, 0, 0, 400, 600, 800, 200], [5, 5, 5, 5, 5, 5, 6]), 'user_sessions', 'idx', 0, { from: 2.5, to: 10 });
  assert.is(f.dead.mean, 500);
  assert.is(f.dead.max, 800);
  assert.is(f.autovacuums, 1);
  assert.is(f.updates, 40, "from the sample at 2 s to the last");
});

function arm(name: string, autovacuums: number): ArmFacts {
  const t = tableFacts(samples([0, 100, 200], [0, 0, autovacuums]), 'user_sessions', 'idx_sessions_covering', 0, { from: 0, to: 2 });
  return { name, tables: [t], rate: 100, p99Ms: 5, p99PerSecond: [5, 5, 5] };
}

test('when neither arm was autovacuumed the finding says the run cannot tell, and why', () => {
  const f = autovacuumFinding(arm('default', 0), arm('aggressive', 0), { armSeconds: 10, naptime: 60, naptimeChanged: false, serverNaptime: 60 });
  assert.match(f, 'neither arm saw an autovacuum');
  assert.match(f, 'the naptime is not shorter than the 10 s arms');
  assert.not.match(f, 'fewer');
});

test('with autovacuums the finding counts them per arm and names the naptime pgscale set', () => {
  const f = autovacuumFinding(arm('default', 1), arm('aggressive', 4), { armSeconds: 50, naptime: 2, naptimeChanged: true, serverNaptime: 60 });
  assert.match(f, 'user_sessions was autovacuumed 4 times against 1 time');
  assert.match(f, 'autovacuum_naptime 2 s, set by pgscale for the scenario in place of the server\'s 60 s');
});

test('a sparkline spans the lowest to the highest bar and keeps the shape', () => {
  assert.is(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
  assert.is(sparkline([5, 5, 5]), '▁▁▁');
  assert.is(sparkline([0, 10, 0, 10], 2), '▁▁');
  assert.is(sparkline([]), '');
});

test.run();
