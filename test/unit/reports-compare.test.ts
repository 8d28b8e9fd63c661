import { refusal, regressedIds } from '../support/gate.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareResults } from '../../reports/compare.ts';
import { checkComparable } from '../../reports/fingerprint.ts';
import { applyConfigFile, applyThresholdFlag, DEFAULT_GATE_CONFIG, thresholdFor } from '../../reports/thresholds.ts';
import { growRelation, slowDownQuery, syntheticResults } from '../fixtures/synthetic-results.ts';


test('A/A: two runs from the same distribution show no regression in at least 95 of 100 trials', () => {
  let clean = 0;
  for (let i = 0; i < 100; i++) {
    const a = syntheticResults({ sampleSeed: 10_000 + 2 * i, runJitter: 0 });
    const b = syntheticResults({ sampleSeed: 10_001 + 2 * i, runJitter: 0 });
    if (!compareResults(a, b).regressed) clean++;
  }
  assert.ok(clean >= 95, `only ${clean} of 100 A/A trials were clean`);
});

test('A/A with 5 % run-to-run jitter (every latency of a run drifts together): no regression in at least 95 of 100 trials', () => {
  let clean = 0;
  for (let i = 0; i < 100; i++) {
    const a = syntheticResults({ sampleSeed: 30_000 + 2 * i, runJitter: 0.05 });
    const b = syntheticResults({ sampleSeed: 30_001 + 2 * i, runJitter: 0.05 });
    if (!compareResults(a, b).regressed) clean++;
  }
  assert.ok(clean >= 95, `only ${clean} of 100 A/A trials were clean`);
});

test('with 5 % run-to-run jitter a 30 % slower query is still flagged, judged beyond the run-wide shift', () => {
  let caught = 0;
  for (let i = 0; i < 20; i++) {
    const base = syntheticResults({ sampleSeed: 40_000 + 2 * i, runJitter: 0.05 });
    const cur = slowDownQuery(syntheticResults({ sampleSeed: 40_001 + 2 * i, runJitter: 0.05 }), 'time-index', 'brin', 'range-day', 1.3);
    const c = compareResults(base, cur);
    const m = c.metrics.find((x) => x.id.startsWith('time-index/brin/latency/range-day'))!;
    if (m.verdict === 'regressed' && regressedIds(c).length === 1) caught++;
    assert.is(m.shift, c.latencyShift!.change, 'the shift taken out is recorded');
  }
  assert.ok(caught >= 19, `flagged alone in ${caught} of 20`);
});

test('with one baseline, a change within the drift single queries show is inconclusive; far beyond it, a regression', () => {
  const base = syntheticResults({ sampleSeed: 60, runJitter: 0 });
  const cur = syntheticResults({ sampleSeed: 61, runJitter: 0 });
  // Each query drifts on its own by ±4 % (robust σ ≈ 6 %, what two real runs here showed), …
  let k = 0;
  for (const s of cur.scenarios) {
    for (const v of s.variants) {
      for (const q of v.queries) {
        const f = Math.exp(k++ % 2 === 0 ? 0.04 : -0.04);
        q.samplesMs = q.samplesMs!.map((x) => x * f);
      }
    }
  }
  // … one query moves 32 % (beyond 3σ, within 6σ) and one 90 % (far beyond).
  const moved = slowDownQuery(slowDownQuery(cur, 'time-index', 'brin', 'range-day', 1.32), 'time-index', 'btree', 'range-day', 1.9);
  const c = compareResults(base, moved);
  const mild = c.metrics.find((x) => x.id.startsWith('time-index/brin/latency/range-day'))!;
  const big = c.metrics.find((x) => x.id.startsWith('time-index/btree/latency/range-day'))!;
  assert.is(mild.verdict, 'inconclusive', mild.reason);
  assert.match(mild.reason, '--history');
  assert.is(big.verdict, 'regressed', big.reason);
});

test('a latency change smaller than one bare round trip (the client floor p99) is unchanged', () => {
  const judge = (floorShare: number) => {
    const base = syntheticResults({ sampleSeed: 70, runJitter: 0 });
    const cur = slowDownQuery(syntheticResults({ sampleSeed: 71, runJitter: 0 }), 'time-index', 'brin', 'range-day', 1.5);
    const q = base.scenarios.find((x) => x.name === 'time-index')!.variants.find((v) => v.name === 'brin')!.queries.find((x) => x.name === 'range-day')!;
    const sorted = [...q.samplesMs!].sort((a, b) => a - b);
    const medianMs = sorted[sorted.length >> 1];
    for (const r of [base, cur]) r.clientFloor!.latencyMs.p99 = medianMs * floorShare;
    return compareResults(base, cur).metrics.find((x) => x.id.startsWith('time-index/brin/latency/range-day'))!;
  };
  const within = judge(0.8);
  assert.is(within.verdict, 'unchanged', within.reason);
  assert.match(within.reason, 'noise floor');
  assert.is(judge(0.05).verdict, 'regressed');
});

test('a slowdown of every query is one regressed row: the run-wide latency shift', () => {
  const base = syntheticResults({ sampleSeed: 50, runJitter: 0 });
  const cur = syntheticResults({ sampleSeed: 51, runJitter: 0 });
  for (const s of cur.scenarios) for (const v of s.variants) for (const q of v.queries) q.samplesMs = q.samplesMs!.map((x) => x * 1.4);
  cur.clientFloor!.samplesMs = cur.clientFloor!.samplesMs!.map((x) => x * 1.4);
  const c = compareResults(base, cur);
  assert.equal(regressedIds(c), ['run/-/latency-shift']);
  const shift = c.metrics.find((m) => m.id === 'run/-/latency-shift')!;
  assert.ok(Math.abs(shift.change! - 0.4) < 0.03, `shift ${shift.change}`);
  const quiet = compareResults(syntheticResults({ sampleSeed: 52 }), syntheticResults({ sampleSeed: 53 })).metrics.find((m) => m.id === 'run/-/latency-shift')!;
  assert.is(quiet.verdict, 'unchanged');
});

test('without enough sampled latencies to estimate a shift, the assumed run drift widens the minimum effect', () => {
  const base = syntheticResults({ sampleSeed: 54, scenarios: ['time-index'] });
  for (const v of base.scenarios[0].variants.slice(1)) v.queries = [];
  const cur = structuredClone(base);
  const c = compareResults(base, cur, { skipFingerprint: true });
  assert.is(c.latencyShift, undefined, `${c.metrics.filter((m) => m.kind === 'latency').length} latencies: too few`);
  const m = c.metrics.find((x) => x.kind === 'latency' && x.method === 'rank-test')!;
  assert.ok(Math.abs(m.threshold!.relative - Math.expm1(3 * Math.SQRT2 * 0.05)) < 1e-9, `threshold ${m.threshold!.relative}`);
  const strict = compareResults(base, cur, { skipFingerprint: true, config: applyThresholdFlag(DEFAULT_GATE_CONFIG, 'runDrift=0') });
  assert.is(strict.metrics.find((x) => x.id === m.id)!.threshold!.relative, DEFAULT_GATE_CONFIG.kinds.latency.relative, 'runDrift=0 on a quiet machine');
});

test('a 30 % slower query and a 20 % larger index are flagged, and nothing else', () => {
  const base = syntheticResults({ sampleSeed: 1 });
  let cur = syntheticResults({ sampleSeed: 2 });
  cur = slowDownQuery(cur, 'n-plus-one', 'join', 'dashboard', 1); // untouched: proves the helper copies
  cur = slowDownQuery(cur, 'time-index', 'brin', 'range-day', 1.3);
  cur = growRelation(cur, 'enum-storage', 'varchar', 'idx_tasks_status', 1.2);
  const c = compareResults(base, cur);
  assert.equal(regressedIds(c), ['enum-storage/varchar/size/idx_tasks_status.index', 'time-index/brin/latency/range-day[forced=enable_seqscan=off;selectivity=day]']);
  assert.ok(c.regressed);
});

test('a regressed latency carries its change, interval and confidence', () => {
  const base = syntheticResults({ sampleSeed: 3 });
  const cur = slowDownQuery(syntheticResults({ sampleSeed: 4 }), 'enum-storage', 'text', 'group-by-status', 1.5);
  const m = compareResults(base, cur).metrics.find((x) => x.id === 'enum-storage/text/latency/group-by-status')!;
  assert.is(m.verdict, 'regressed');
  assert.ok(m.change! > 0.3, `change ${m.change}`);
  assert.ok(m.ci!.lower > 0, 'the interval excludes no change');
  assert.ok(m.confidence! > 0.99);
});

test('a faster query is improved, not regressed', () => {
  const base = syntheticResults({ sampleSeed: 5 });
  const cur = slowDownQuery(syntheticResults({ sampleSeed: 6 }), 'enum-storage', 'enum', 'eq-filter', 0.6);
  const m = compareResults(base, cur).metrics.find((x) => x.id === 'enum-storage/enum/latency/eq-filter')!;
  assert.is(m.verdict, 'improved');
});

test('a throughput drop without samples is inconclusive against one baseline', () => {
  const base = syntheticResults({ sampleSeed: 7 });
  const cur = structuredClone(base);
  cur.scenarios[2].variants[1].queries[0].opsPerSecond! *= 0.5;
  const m = compareResults(base, cur).metrics.find((x) => x.id === 'n-plus-one/join/throughput/dashboard[delayMs=0;sessions=1]')!;
  assert.is(m.verdict, 'inconclusive');
  assert.is(m.direction, 'bigger');
});

test('with a history, a throughput drop outside the nightly spread is a regression', () => {
  const history = Array.from({ length: 8 }, (_, i) => syntheticResults({ sampleSeed: 100 + i, startedAt: `2025-05-0${i + 1}T02:00:00Z` }));
  const base = history[history.length - 1];
  const cur = syntheticResults({ sampleSeed: 200, startedAt: '2025-06-01T02:00:00Z' });
  cur.scenarios[2].variants[1].queries[0].opsPerSecond! *= 0.5;
  const c = compareResults(base, cur, { history });
  const m = c.metrics.find((x) => x.id === 'n-plus-one/join/throughput/dashboard[delayMs=0;sessions=1]')!;
  assert.is(m.verdict, 'regressed');
  assert.is(m.method, 'history');
  assert.ok(c.trends && c.trends.length > 0, 'trends are returned for the HTML');
});

test('a noisy history widens the minimum effect so machine noise does not alarm', () => {
  const history = Array.from({ length: 10 }, (_, i) => syntheticResults({ sampleSeed: 300 + i, runJitter: 0.08, startedAt: `2025-05-${10 + i}T02:00:00Z` }));
  const base = syntheticResults({ sampleSeed: 400, runJitter: 0.08 });
  const cur = syntheticResults({ sampleSeed: 401, runJitter: 0.08 });
  const c = compareResults(base, cur, { history });
  // With a history, a latency is judged against the earlier runs' values (a prediction interval), on a widened minimum effect.
  const m = c.metrics.find((x) => x.kind === 'latency' && x.method === 'history')!;
  assert.ok(m.threshold!.relative > DEFAULT_GATE_CONFIG.kinds.latency.relative, `threshold ${m.threshold!.relative}`);
  assert.not.ok(c.regressed, 'an 8 % drift the history shows is no regression of the whole run');
  assert.match(c.metrics.find((x) => x.id === 'run/-/latency-shift')!.reason, /the run-to-run drift of the history|minimum effect/);
});

test('a scenario that errored now but not in the baseline is a regression', () => {
  const base = syntheticResults({ sampleSeed: 8 });
  const cur = structuredClone(base);
  cur.scenarios[1] = { ...cur.scenarios[1], status: 'errored', error: { message: 'out of memory', sqlstate: '53200' }, variants: [] };
  const c = compareResults(base, cur);
  assert.equal(regressedIds(c), ['time-index/-/status']);
  assert.not.ok(c.metrics.some((m) => m.scenario === 'time-index' && m.reason === 'missing in the current run'), 'no row per missing metric');
});

test('mismatched scale is refused with exit code 2 and says what differs', () => {
  const err = refusal(() => compareResults(syntheticResults({ scale: 1_000_000 }), syntheticResults({ scale: 10_000 })));
  assert.is(err.code, 'UNUSABLE_INPUT');
  assert.is(err.exitCode, 2);
  assert.match(err.message, 'scale differs (baseline 1000000, current 10000)');
});

test('a different scenario set is judged on the scenarios both runs have, and the missing one is named', () => {
  const c = compareResults(syntheticResults(), syntheticResults({ scenarios: ['enum-storage', 'time-index'] }));
  assert.ok(c.warnings.some((w) => w.includes('scenario set differs (only in baseline: n-plus-one)')), c.warnings.join('\n'));
  assert.ok(c.metrics.some((m) => m.scenario === 'enum-storage' && m.verdict === 'unchanged'), 'the common scenarios are judged');
  const missing = c.metrics.filter((m) => m.scenario === 'n-plus-one' && m.method !== 'status');
  assert.ok(missing.length > 0 && missing.every((m) => m.method === 'missing' || m.method === 'informational'), 'the missing scenario is listed as missing');
  assert.is(c.counts.regressed, 0);
});

test('a server in another time zone is compared, with a warning naming both zones', () => {
  const base = syntheticResults();
  const cur = structuredClone(base);
  base.environment.serverTimeZone = 'UTC';
  cur.environment.serverTimeZone = 'America/New_York';
  const c = compareResults(base, cur);
  assert.ok(c.warnings.some((w) => w === 'server time zone differs (baseline UTC, current America/New_York)'), c.warnings.join('\n'));
  assert.is(c.counts.regressed, 0);
});

test('a different Postgres major version, target or CPU count is refused', () => {
  const base = syntheticResults();
  const cur = structuredClone(base);
  cur.environment.postgres = { ...cur.environment.postgres, version: 'PostgreSQL 16.4', versionNum: 160004 };
  cur.environment.target = 'container';
  cur.environment.cpus = 8;
  const { problems } = checkComparable(base, cur);
  assert.equal(problems.map((p) => p.split(' differs')[0]), ['Postgres major version', 'target kind', 'CPU count']);
});

test('a different Postgres minor version only warns', () => {
  const base = syntheticResults();
  const cur = structuredClone(base);
  cur.environment.postgres = { ...cur.environment.postgres, version: 'PostgreSQL 18.2', versionNum: 180002 };
  const c = compareResults(base, cur);
  assert.equal(c.warnings, ['Postgres minor version differs (baseline 18.1, current 18.2)']);
});

test('--threshold sets kind defaults, noise floors and id-glob overrides', () => {
  const config = applyThresholdFlag(DEFAULT_GATE_CONFIG, 'latency=20%:0.1ms,size=2%:1KiB,n-plus-one/*=50%,alpha=0.05');
  assert.equal(config.kinds.latency, { relative: 0.2, absolute: 0.1 });
  assert.equal(config.kinds.size, { relative: 0.02, absolute: 1024 });
  assert.is(config.alpha, 0.05);
  assert.is(thresholdFor(config, { id: 'n-plus-one/join/latency/dashboard[delayMs=0;sessions=1]', kind: 'latency' }).relative, 0.5);
  assert.is(thresholdFor(config, { id: 'enum-storage/join/latency/eq-filter', kind: 'latency' }).relative, 0.2);
  assert.is(DEFAULT_GATE_CONFIG.kinds.latency.relative, 0.1, 'the defaults are not mutated');
});

test('a bad --threshold is a usage error', () => {
  const err = refusal(() => applyThresholdFlag(DEFAULT_GATE_CONFIG, 'latency=fast'));
  assert.is(err.code, 'USAGE');
});

test('a config file overrides thresholds and rejects unknown fields', () => {
  const config = applyConfigFile(DEFAULT_GATE_CONFIG, { alpha: 0.05, thresholds: { size: { relative: 0.05 }, 'time-index/*': { relative: 0.3 } } });
  assert.is(config.kinds.size.relative, 0.05);
  assert.is(config.kinds.size.absolute, DEFAULT_GATE_CONFIG.kinds.size.absolute);
  assert.is(thresholdFor(config, { id: 'time-index/brin/latency/range-day', kind: 'latency' }).relative, 0.3);
  assert.is(refusal(() => applyConfigFile(DEFAULT_GATE_CONFIG, { alpah: 0.05 })).code, 'UNUSABLE_INPUT');
});

test('a size change within the tolerance is unchanged', () => {
  const base = syntheticResults();
  const cur = growRelation(base, 'enum-storage', 'smallint', 'auto_tasks', 1.005);
  const m = compareResults(base, cur).metrics.find((x) => x.id === 'enum-storage/smallint/size/auto_tasks.table')!;
  assert.is(m.verdict, 'unchanged');
});

test('the same inputs give the same verdicts and intervals', () => {
  const a = syntheticResults({ sampleSeed: 11 });
  const b = syntheticResults({ sampleSeed: 12 });
  assert.equal(compareResults(a, b).metrics, compareResults(a, b).metrics);
});

test.run();
