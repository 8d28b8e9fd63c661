import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIN_PROBE_PAGES_PER_PARTITION, type LeafSizes, brinBytesPerRow, bytesPerRange, indexModel, project } from '../../scenarios/time-index/projection.ts';

const PAGE = 8192;
/** An index over `populated` partitions of `heapPages` heap pages in all and `empty` empty ones. */
function leaves(populatedBytes: number, emptyBytesEach: number, populated = 2, empty = 11, heapPages = 1500): LeafSizes {
  return { populated: { partitions: populated, indexBytes: populatedBytes, heapBytes: heapPages * PAGE }, empty: { partitions: empty, indexBytes: empty * emptyBytesEach } };
}

test('a B-tree model puts everything above the empty floor into bytes per row', () => {
  const m = indexModel(leaves(2 * 8192 + 50_000 * 20, 8192), 50_000);
  assert.is(m.emptyFloor, 8192);
  assert.is(m.bytesPerRow, 20);
  assert.is(m.populatedExtra, 0);
});

test('a projection adds the floors of every partition to rows × bytes per row', () => {
  const m = { emptyFloor: 8192, populatedExtra: 16_384, bytesPerRow: 20 };
  assert.is(project(m, { rows: 1e9, partitions: 13, populated: 12 }), 13 * 8192 + 12 * 16_384 + 20e9);
  assert.ok(project(m, { rows: 2e9, partitions: 13, populated: 12 }) > project(m, { rows: 1e9, partitions: 13, populated: 12 }), 'more rows, a larger index');
});

test('a BRIN range costs the probe\'s extra bytes over its extra ranges', () => {
  // 1500 heap pages: the probe has 1500 ranges, pages_per_range 128 about 11.7.
  const index = leaves(2 * 49_152, 49_152 - 24_576);
  const probe = leaves(2 * 49_152 + 40 * PAGE, 0);
  const range = bytesPerRange(index, probe, 128, PAGE)!.bytes;
  assert.ok(Math.abs(range - (40 * PAGE) / (1500 - 1500 / 128)) < 1e-9, `${range}`);
  const perRow = brinBytesPerRow(index, 50_000, range, 128, PAGE);
  assert.ok(Math.abs(perRow - (range * 1500) / 50_000 / 128) < 1e-12);
  // Per-partition constants stay constants: the model's bytes per row are only the ranges'.
  const m = indexModel(index, 50_000, perRow);
  assert.is(m.bytesPerRow, perRow);
  assert.ok(m.populatedExtra > 0 && m.populatedExtra < 49_152, `extra ${m.populatedExtra}`);
});

test('a probe that differs by fewer pages per populated partition than the minimum prices no range', () => {
  const index = leaves(2 * 49_152, 24_576);
  const min = 2 * MIN_PROBE_PAGES_PER_PARTITION;
  assert.is(bytesPerRange(index, leaves(2 * 49_152 + (min - 1) * PAGE, 0), 128, PAGE), undefined);
  assert.ok(bytesPerRange(index, leaves(2 * 49_152 + min * PAGE, 0), 128, PAGE)!.bytes > 0);
});

test.run();
