import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ArmFacts, throughputVerdict, uuidKeysFinding } from '../../scenarios/uuid-keys/findings.ts';

function arm(name: string, perSecond: number[], extra: Partial<ArmFacts> = {}): ArmFacts {
  const rate = perSecond.reduce((a, b) => a + b, 0) / perSecond.length;
  return { name, rate, perSecond, rowsInserted: rate * perSecond.length, indexBytesPerRow: 40, leafDensity: 70, leafPages: 1000, walBytesPerRow: 800, indexBlocksRead: 0, ...extra };
}

test('overlapping per-second rates read as no clear difference, with the interval', () => {
  const v = throughputVerdict(arm('uuidv4', [100, 120, 90, 110, 105]), arm('uuidv7', [115, 95, 100, 108, 112]));
  assert.match(v, /^no clear difference, 95 % interval [\d.]+–[\d.]+×$/);
});

test('separated per-second rates state the ratio', () => {
  const v = throughputVerdict(arm('uuidv4', [100, 102, 98, 101, 99]), arm('uuidv7', [200, 204, 196, 202, 198]));
  assert.match(v, /^2\.00× the rate/);
});

test('a run of under three seconds per arm claims no direction', () => {
  assert.is(throughputVerdict(arm('uuidv4', [100, 100]), arm('uuidv7', [300, 300])), 'too few seconds to tell a difference');
});

test('the finding says when no index block was read from outside shared_buffers, and names the pages each arm changed', () => {
  const f = uuidKeysFinding(arm('uuidv4', [100, 100, 100], { indexBlocksTouched: 1500, indexFpiBytesPerRow: 400 }), arm('uuidv7', [100, 100, 100], { indexBlocksTouched: 50, indexFpiBytesPerRow: 1, leafDensity: 90 }));
  assert.match(f, /changed 50 index pages \(of 1,000 leaf pages\) with UUIDv7 against 1,500 index pages/);
  assert.match(f, /read none from outside shared_buffers in either arm/);
  assert.match(f, /leaves 90 % full, against 40\.0 B\/row and 70 %/);
});

test.run();
