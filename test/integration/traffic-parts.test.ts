/**
 * A load test split over two processes, as two machines would run it: `traffic --part 1/2`
 * and `--part 2/2` at the same time on one data set, then `pgscale merge` into one run that
 * `report` renders and `compare` accepts. Through the real CLI against the test server.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from '../../db/load.ts';
import { parseResults } from '../../reports/schema.ts';
import { runCli } from '../support/cli.ts';
import { dropSchema, testTarget, testUrl, uniqueSchema } from '../support/db.ts';

const dir = mkdtempSync(join(tmpdir(), 'pgscale-parts-'));
const schema = uniqueSchema('trafficparts');

test.before(async () => {
  await load(await testTarget(), { schema, data: { scale: 20_000, seed: 7, months: 3 }, enums: 'smallint', jobs: 2, fresh: false });
});

test.after(async () => {
  await dropSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

const read = (path: string) => parseResults(JSON.parse(readFileSync(path, 'utf8')));

test('two traffic parts run at once, merged: the merge holds both parts, renders as a report and compares like one run', async () => {
  const url = await testUrl();
  // One start for both, far enough ahead for two processes to get ready on a busy machine.
  const startAt = new Date(Date.now() + 20_000).toISOString();
  const args = (i: number) => ['traffic', '--schema', schema, '--rate', '40', '--clients', '4', '--threads', '1', '--duration', '3s', '--warmup', '1s', '--start-at', startAt, '--part', `${i}/2`, '--quiet', '--out', join(dir, `p${i}`), '--database-url', url];
  const [a, b] = await Promise.all([runCli(args(1)), runCli(args(2))]);
  assert.is(a.code, 0, a.stderr);
  assert.is(b.code, 0, b.stderr);
  const parts = [read(join(dir, 'p1', 'results.json')), read(join(dir, 'p2', 'results.json'))];
  for (const [i, p] of parts.entries()) {
    assert.is(p.traffic!.part?.index, i + 1);
    assert.is(p.traffic!.targetRate, 20, 'each part offers half the rate');
    assert.is(p.traffic!.clients, 2, 'each part has half the connections');
    assert.ok(p.traffic!.transactions > 0);
  }

  const merged = await runCli(['merge', join(dir, 'p1', 'results.json'), join(dir, 'p2', 'results.json'), '--out', join(dir, 'merged')]);
  assert.is(merged.code, 0, merged.stderr);
  const m = read(join(dir, 'merged', 'results.json')).traffic!;
  assert.is(m.transactions, parts[0].traffic!.transactions + parts[1].traffic!.transactions);
  assert.is(m.targetRate, 40);
  assert.is(m.clients, 4);
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  for (const p of parts) h.add(hdr.decodeFromCompressedBase64(p.traffic!.histogram));
  assert.is(m.latencyMs.p99, Math.min(h.getValueAtPercentile(99), h.maxValue) / 1000);

  const report = await runCli(['report', join(dir, 'merged', 'results.json')]);
  assert.is(report.code, 0, report.stderr);
  assert.match(report.stdout, /merged from 2 parts|40(\.0)? tx\/s/);
  const compare = await runCli(['compare', join(dir, 'merged', 'results.json'), join(dir, 'merged', 'results.json')]);
  assert.is(compare.code, 0, compare.stderr + compare.stdout);

  // The same part twice is refused with exit 2, naming it.
  const twice = await runCli(['merge', join(dir, 'p1', 'results.json'), join(dir, 'p1', 'results.json'), '--out', join(dir, 'bad')]);
  assert.is(twice.code, 2, twice.stderr);
  assert.match(twice.stderr, /part 1\/2 was given twice/);
});

test.run();
