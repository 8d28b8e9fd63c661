import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeDatasets, formatBytes, formatScale } from '../../cli/list.ts';

test('formatScale spells a scale as --scale takes it', () => {
  assert.is(formatScale(300_000), '300k');
  assert.is(formatScale(1_500_000), '1.5m');
  assert.is(formatScale(2_000_000_000), '2b');
  assert.is(formatScale(999), '999');
});

test('formatBytes switches to GiB from one GiB on', () => {
  assert.is(formatBytes(5 * 1024 ** 2), '5.0 MiB');
  assert.is(formatBytes(1.5 * 1024 ** 3), '1.50 GiB');
});

test('describeDatasets puts one data set per line under a header, columns aligned', () => {
  const out = describeDatasets([
    { schema: 'pgscale_300k_1_smallint', params: { scale: 300_000, seed: 1, months: 12, enums: 'smallint', generatorVersion: 4 }, state: 'complete', complete: true, rows: {}, totalRows: 1_234_567, bytes: 2 * 1024 ** 3 },
    { schema: 'b', state: 'loading', complete: false, rows: {}, totalRows: 0, bytes: 0 },
  ]).split('\n');
  assert.is(out.length, 3);
  assert.match(out[0], /^schema\s+scale\s+seed\s+months\s+enums\s+state\s+rows\s+size$/);
  assert.match(out[1], /^pgscale_300k_1_smallint\s+300k\s+1\s+12\s+smallint\s+complete\s+1,234,567\s+2\.00 GiB$/);
  assert.match(out[2], /^b\s+\?.*loading\s+0\s+0\.0 MiB$/);
  assert.is(out[1].indexOf('complete'), out[2].indexOf('loading'));
});

test.run();
