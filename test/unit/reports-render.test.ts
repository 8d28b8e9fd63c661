import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareResults } from '../../reports/compare.ts';
import { renderComparisonMarkdown } from '../../reports/compare-table.ts';
import { toBencherBmf, toGithubActionBenchmark } from '../../reports/exporters.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { growRelation, slowDownQuery, syntheticResults } from '../fixtures/synthetic-results.ts';

const results = syntheticResults({ sampleSeed: 21 });

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

test('github-action-benchmark smaller-is-better entries have name, unit and value, and no throughput', () => {
  const entries = toGithubActionBenchmark(results, 'customSmallerIsBetter');
  assert.ok(entries.length > 100);
  for (const e of entries) {
    assert.type(e.name, 'string');
    assert.type(e.unit, 'string');
    assert.ok(Number.isFinite(e.value), e.name);
  }
  assert.not.ok(entries.some((e) => e.unit === 'ops/s'));
  const lat = entries.find((e) => e.name === 'enum-storage/smallint eq-filter p50')!;
  assert.is(lat.unit, 'ms');
  assert.match(lat.range!, /^± \d/);
  assert.is(new Set(entries.map((e) => e.name)).size, entries.length, 'names are unique');
});

test('github-action-benchmark bigger-is-better entries are the throughputs', () => {
  const entries = toGithubActionBenchmark(results, 'customBiggerIsBetter');
  assert.is(entries.length, 27); // 3 n-plus-one variants × 9 parameter sets
  assert.ok(entries.every((e) => e.unit === 'ops/s'));
});

test('Bencher BMF reports latency in nanoseconds with p25/p75 bounds and sizes as file-size', () => {
  const bmf = toBencherBmf(results);
  const q = results.scenarios[0].variants[0].queries[0];
  const lat = bmf['enum-storage/smallint/eq-filter'].latency;
  assert.ok(Math.abs(lat.value - q.latencyMs.p50 * 1e6) < 1e-6);
  assert.ok(lat.lower_value! < lat.value && lat.value < lat.upper_value!);
  assert.is(bmf['enum-storage/smallint/idx_tasks_status.index']['file-size'].value, results.scenarios[0].variants[0].sizes[1].bytes);
  assert.is(bmf['n-plus-one/n-plus-one/dashboard[delayMs=2;sessions=50]']['round-trips'].value, 51);
  for (const measures of Object.values(bmf)) for (const m of Object.values(measures)) assert.ok(Number.isFinite(m.value));
});

test('the Markdown report has a sizes and a latency table per scenario and the environment', () => {
  const md = renderMarkdown(results);
  assert.is(count(md, '**Sizes**'), 2, 'enum-storage and time-index have sizes');
  assert.is(count(md, '**Latency** (p50 / p99)'), 3);
  assert.match(md, '| relation | smallint | enum | varchar | text |');
  assert.match(md, '| query | n-plus-one | join | aggregate |');
  assert.match(md, 'PostgreSQL 18.1');
  assert.match(md, 'scale 1,000,000, seed 1');
  assert.match(md, results.scenarios[1].finding);
  assert.ok(md.length < 20_000, `short enough for a job summary (${md.length} chars)`);
});

test('a label only some variants carry does not split a query into two rows', () => {
  const md = renderMarkdown(results);
  const rows = md.split('\n').filter((l) => l.startsWith('| range-'));
  assert.equal(rows.map((l) => l.split(' | ')[0]), ['| range-hour[selectivity=hour]', '| range-day[selectivity=day]', '| range-week[selectivity=week]', '| range-month[selectivity=month]']);
  assert.not.ok(rows.some((l) => l.includes('–')), 'every variant has a value in every row');
});

test('the Markdown report with a baseline leads with the gate and marks the regressed cell', () => {
  const cur = slowDownQuery(syntheticResults({ sampleSeed: 22 }), 'enum-storage', 'varchar', 'eq-filter', 1.4);
  const md = renderMarkdown(cur, { baseline: results });
  assert.match(md, '**Regression**: 1 metric regressed');
  assert.match(md, /\| eq-filter \|.*\(\+\d+\.\d% 🔴\)/);
});

test('the Markdown report notes an incomparable baseline instead of deltas', () => {
  const md = renderMarkdown(results, { baseline: syntheticResults({ scale: 10_000 }) });
  assert.match(md, 'Baseline not comparable, no deltas shown: scale differs');
  assert.not.match(md, '🔴');
});

test('an errored scenario shows its error in Markdown and HTML without breaking the rest', () => {
  const broken = structuredClone(results);
  broken.scenarios[2] = { name: 'n-plus-one', status: 'errored', finding: '', error: { message: 'canceling statement due to statement timeout', sqlstate: '57014' }, variants: [] };
  const md = renderMarkdown(broken);
  assert.match(md, '**Errored**: canceling statement due to statement timeout [SQLSTATE 57014]');
  const html = renderHtml(broken);
  assert.match(html, 'Errored: canceling statement due to statement timeout');
  assert.ok(count(html, 'class="bar"') > 0, 'other scenarios still have charts');
});

test('p99 from under 100 samples, a capped and a timed-out measurement are marked, with footnotes', () => {
  const r = structuredClone(results);
  const [eq, group, order] = r.scenarios[0].variants[0].queries;
  Object.assign(eq, { samples: 37, samplesMs: eq.samplesMs!.slice(0, 37), underSampled: ['p99', 'p999'] });
  Object.assign(group, { state: 'capped' });
  Object.assign(order, { state: 'timed-out', samples: 1, samplesMs: [3012], latencyMs: { ...order.latencyMs, p50: 3012, p99: 3012 } });
  const md = renderMarkdown(r);
  const row = (name: string) => md.split('\n').find((l) => l.startsWith(`| ${name} |`))!;
  assert.match(row('eq-filter').split(' | ')[1], /ms† \(n=37\)$/);
  assert.match(row('group-by-status').split(' | ')[1], /ms‡$/);
  assert.is(row('order-by-priority').split(' | ')[1], '≥ 3,012 ms');
  assert.not.match(row('eq-filter').split(' | ')[2], '†', 'other variants have 200 samples: a p99 is a percentile');
  for (const note of ['† p99 from fewer than 100 samples', '‡ the hard cap stopped sampling early', '≥ the one execution was cut off']) assert.is(count(md, note), 1, note);
  const html = renderHtml(r);
  assert.match(html, '3 measurement(s) whose p99 is not a percentile or that were cut short');
  assert.match(html, 'smallint · eq-filter: ');
  assert.not.match(renderMarkdown(results), '†', 'nothing marked when every p99 rests on 100+ samples');
});

test('the HTML report has every chart kind and no external resource', () => {
  const html = renderHtml(results);
  assert.ok(count(html, 'class="bar"') >= 30, 'size bars');
  assert.ok(count(html, 'class="box"') >= 70, 'latency boxes');
  assert.ok(count(html, 'class="series"') >= 20, 'latency-vs-parameter lines');
  assert.match(html, 'p50 by selectivity — all queries');
  assert.match(html, '>month</text>', 'text selectivities are ordered categories on the axis');
  assert.match(html, 'p50 by sessions — dashboard · delayMs=2');
  assert.match(html, 'p50 by delayMs — dashboard · sessions=50');
  assert.ok(count(html, '<details class="plan">') > 50, 'plan viewer per query');
  assert.not.match(html, /(src|href)="https?:/);
  assert.not.match(html, /<script/);
});

test('HTML charts degrade to a note when samples and sizes are missing', () => {
  const bare = structuredClone(results);
  for (const s of bare.scenarios) for (const v of s.variants) {
    v.sizes = [];
    for (const q of v.queries) {
      delete q.samplesMs;
      delete q.plan;
      delete q.planSummary;
      q.latencyMs = { p50: Number.NaN, p75: Number.NaN, p99: Number.NaN, p999: Number.NaN, mean: Number.NaN };
    }
  }
  const html = renderHtml(bare);
  assert.is(count(html, 'class="bar"'), 0);
  assert.match(html, 'no latency data');
  assert.not.match(html, 'NaN');
});

test('the HTML report plots history trends with the change point marked', () => {
  const history = Array.from({ length: 12 }, (_, i) => {
    const r = syntheticResults({ sampleSeed: 500 + i, startedAt: `2025-05-${String(10 + i).padStart(2, '0')}T02:00:00Z` });
    return i >= 7 ? growRelation(r, 'time-index', 'btree', 'idx_messages_created_at', 1.5) : r;
  });
  const html = renderHtml(history[11], { history: history.slice(0, 11) });
  assert.match(html, 'Trend over 12 runs');
  assert.is(count(html, 'class="marker"'), 1);
  assert.match(html, /time-index\/btree idx_messages_created_at \(index\)/);
});

test('the compare table lists every metric with baseline, current, change, confidence and verdict', () => {
  const cur = growRelation(syntheticResults({ sampleSeed: 23 }), 'enum-storage', 'text', 'idx_tasks_status', 1.2);
  const c = compareResults(results, cur);
  const md = renderComparisonMarkdown(c);
  assert.match(md, '| metric | baseline | current | change | 99% interval | confidence | verdict | why |');
  assert.is(count(md, '\n| ') - 1, c.metrics.length, 'one row per metric');
  assert.match(md, /\| enum-storage\/text idx_tasks_status \(index\) \| 10\.0 MiB \| 12\.0 MiB \| \+20\.0% \| {2}\| exact \| 🔴 regressed \|/);
});

test.run();
