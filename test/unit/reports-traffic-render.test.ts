import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderHtml } from '../../reports/html.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { DEFAULT_MIX, syntheticTrafficResults } from '../fixtures/synthetic-traffic.ts';

const doc = syntheticTrafficResults({ sampleSeed: 51, slo: true });
const md = renderMarkdown(doc);
const html = renderHtml(doc);

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** The <svg> whose <title> is `title`. */
function svgTitled(page: string, title: string): string {
  const at = page.indexOf(`<title>${title}</title>`);
  assert.ok(at > 0, `no chart titled ${title}`);
  const start = page.lastIndexOf('<svg', at);
  return page.slice(start, page.indexOf('</svg>', at) + 6);
}

test('the Markdown report has a per-transaction latency table with a row per transaction type and one for the whole run', () => {
  assert.match(md, '| transaction | weight | transactions | errors | p50 | p90 | p99 | p99.9 | max |');
  const rows = md.split('\n').filter((l) => /^\| (\*\*all\*\*|read-conversation|send-message|approve-task) \|/.test(l));
  assert.equal(rows.map((l) => l.split(' | ')[0].slice(2)), [...DEFAULT_MIX.map((x) => x.name), '**all**']);
  const send = doc.traffic!.perTransaction.find((x) => x.name === 'send-message')!;
  assert.match(md, `| send-message | 0.300 | ${send.transactions.toLocaleString('en-US')} | 0 |`);
});

test('the Markdown report states mode, workload, clients, rate, duration, transactions and the client', () => {
  for (const label of ['Mode', 'Workload', 'Clients', 'Rate', 'Duration', 'Transactions', 'Errors', 'Client']) assert.match(md, `- **${label}** `);
  assert.match(md, '- **Clients** 50 connections on 2 worker threads');
  assert.match(md, /- \*\*Rate\*\* achieved \d+ tx\/s, as fast as 50 clients go/);
  assert.match(md, /- \*\*Client\*\* CPU 24 s .*event-loop lag p99 2\.00 ms, busiest worker thread's event loop 30 % utilised/);
  assert.not.match(md, 'Schedule lag', 'a closed loop has no schedule');
  assert.not.match(md, '## Findings', 'no empty findings heading for a load test alone');
});

test('an open-loop Markdown report shows offered against achieved rate and the schedule lag', () => {
  const open = renderMarkdown(syntheticTrafficResults({ sampleSeed: 52, mode: 'open', rate: 300, targetRate: 400 }));
  assert.match(open, /- \*\*Rate\*\* offered 400 tx\/s, achieved \d+ tx\/s \(7\d\.?\d* % of offered\)/);
  assert.match(open, '- **Schedule lag** p50 0.0500 ms, p99 0.400 ms, max 2.50 ms');
});

test('the client-bound sentence leads the Markdown report when the client was the limit, and only then', () => {
  const bound = renderMarkdown(syntheticTrafficResults({ sampleSeed: 53, clientBound: true }));
  assert.match(bound, "> ⚠️ **The client was the limit**: the load generator, not the database, bounded this run, so these figures are not the database's. Why: a worker thread's event loop was busy 97 %");
  assert.ok(bound.indexOf('The client was the limit') < bound.indexOf('- **Mode**'), 'before the figures');
  assert.not.match(md, 'The client was the limit');
});

test('errors are listed by SQLSTATE with their share of attempts', () => {
  const r = syntheticTrafficResults({ sampleSeed: 54, errorRate: 0.02 });
  const t = r.traffic!;
  const share = ((100 * t.errors) / (t.transactions + t.errors)).toPrecision(3);
  assert.match(renderMarkdown(r), `- **Errors** ${t.errors}, ${share} % of attempts — by SQLSTATE 40001 × ${t.errors}`);
});

test('the SLO verdict and its checks are shown', () => {
  assert.match(md, '**✅ SLO met: p99<50ms,errors<1%**');
  assert.match(md, '| check | actual | limit | met |');
  assert.match(md, /\| p99<50ms \| [\d.]+ \| 50 \| yes \|/);
});

test('a partial run says it ended early and why', () => {
  const partial = renderMarkdown(syntheticTrafficResults({ sampleSeed: 55, partial: true }));
  assert.match(partial, '> ⚠️ **Partial run**: it ended early (interrupted (SIGINT)); the figures cover the 60 s that ran.');
});

test('rows in DEFAULT partitions are reported when there are some, and not otherwise', () => {
  const rows = renderMarkdown(syntheticTrafficResults({ sampleSeed: 56, defaultPartitionRows: { message_history: 1234, analytics_events: 0 } }));
  assert.match(rows, '> ⚠️ **Rows in DEFAULT partitions**: message_history 1,234 —');
  assert.not.match(rows, 'analytics_events 0');
  assert.not.match(md, 'DEFAULT partitions');
});

test('a document with both scenarios and a load test renders both', () => {
  const both = renderMarkdown(syntheticTrafficResults({ sampleSeed: 57, withScenarios: true }));
  assert.match(both, '## Findings');
  assert.match(both, '## enum-storage');
  assert.match(both, '## Traffic: mix platform, closed loop');
  const page = renderHtml(syntheticTrafficResults({ sampleSeed: 57, withScenarios: true }));
  assert.match(page, 'id="scenario-enum-storage"');
  assert.match(page, '<section id="traffic">');
});

test('with a baseline, the regressed p99 cell of the Markdown table carries its change and mark', () => {
  const base = syntheticTrafficResults({ sampleSeed: 58, rate: 1000 });
  const cur = syntheticTrafficResults({ sampleSeed: 59, rate: 1000, slowdown: { 'send-message': 1.6 } });
  const out = renderMarkdown(cur, { baseline: base });
  assert.match(out, '**Regression**: 1 metric regressed');
  assert.match(out, /\| send-message \|.*\| [\d.]+ ms \(\+\d+\.\d% 🔴\) \|/);
});

test('the HTML report has the per-transaction table', () => {
  const table = html.slice(html.indexOf('<table class="per-transaction">'), html.indexOf('</table>', html.indexOf('<table class="per-transaction">')));
  assert.match(table, '<th>transaction</th><th>weight</th><th>transactions</th><th>errors</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th>');
  assert.is(count(table, '<tr>'), 1 + DEFAULT_MIX.length + 1);
  for (const x of DEFAULT_MIX) assert.match(table, `<td>${x.name}</td>`);
});

test('the HTML spectrum plots one line overall and one per transaction type on the 0%…99.99% percentile axis', () => {
  const svg = svgTitled(html, 'Latency percentile spectrum');
  assert.is(count(svg, 'class="series"'), 1 + DEFAULT_MIX.length);
  for (const label of ['0%', '90%', '99%', '99.9%', '99.99%']) assert.match(svg, `>${label}</text>`);
  assert.not.match(svg, '>99.999%</text>', '24,000 values do not reach 99.999 %');
  assert.match(svg, 'percentile (log scale of 1/(1−q))');
});

test('the HTML spectrum labels 99.999% when the histogram holds 100,000 values or more', () => {
  const big = renderHtml(syntheticTrafficResults({ sampleSeed: 60, rate: 1000, seconds: 120 }));
  assert.match(svgTitled(big, 'Latency percentile spectrum'), '>99.999%</text>');
});

test('the HTML report plots throughput and p50 and p99 latency per second, one line per series', () => {
  const lines = 1 + DEFAULT_MIX.length;
  const tput = svgTitled(html, 'Throughput per second (mean)');
  assert.is(count(tput, 'class="series"'), lines);
  assert.is(count(tput, 'class="point"'), lines * 60, 'one point per second');
  assert.is(count(svgTitled(html, 'p50 latency per second'), 'class="series"'), lines);
  assert.is(count(svgTitled(html, 'p99 latency per second'), 'class="series"'), lines);
  assert.match(tput, '>second of the measurement</text>');
});

test('an open loop adds the offered rate to the throughput chart', () => {
  const open = renderHtml(syntheticTrafficResults({ sampleSeed: 61, mode: 'open' }));
  assert.match(svgTitled(open, 'Throughput per second (mean)'), '>offered</text>');
});

test('a long run is drawn in buckets of several seconds, at most 300 points per line', () => {
  const long = renderHtml(syntheticTrafficResults({ sampleSeed: 62, rate: 40, seconds: 900 }));
  const tput = svgTitled(long, 'Throughput per 3-second bucket (mean)');
  assert.is(count(tput, 'class="point"'), (1 + DEFAULT_MIX.length) * 300);
  assert.match(long, '<title>p99 latency per 3-second bucket (worst second)</title>');
});

test('the HTML report shows the client-bound sentence prominently', () => {
  const bound = renderHtml(syntheticTrafficResults({ sampleSeed: 63, clientBound: true }));
  assert.match(bound, '<p class="error"><b>The client was the limit</b>: the load generator, not the database, bounded this run');
  assert.match(bound, '<a href="#traffic">traffic ⚠</a>');
  assert.not.match(html, 'The client was the limit');
});

test('a histogram that does not decode leaves a note, not a broken page', () => {
  const broken = structuredClone(doc);
  broken.traffic!.perTransaction[0].histogram = 'garbage';
  const page = renderHtml(broken);
  assert.match(page, 'read-conversation: histogram not decodable');
  assert.is(count(svgTitled(page, 'Latency percentile spectrum'), 'class="series"'), DEFAULT_MIX.length);
});

test('the traffic HTML has no NaN, no script and no external resource', () => {
  assert.not.match(html, 'NaN');
  assert.not.match(html, /<script/);
  assert.not.match(html, /(src|href)="https?:/);
});

test.run();
