import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseInteger, parseMessages, parseScale } from '../../core/flags.ts';
import { PgscaleError } from '../../core/errors.ts';

test('parseScale reads k, m and b suffixes', () => {
  assert.is(parseScale('10k'), 10_000);
  assert.is(parseScale('1m'), 1_000_000);
  assert.is(parseScale('1.5M'), 1_500_000);
  assert.is(parseScale('300m'), 300_000_000);
  assert.is(parseScale('2b'), 2_000_000_000);
  assert.is(parseScale('12345'), 12_345);
});

for (const bad of ['-5', 'banana', '0', '', '1x', '1e6', '-1m']) {
  test(`parseScale rejects '${bad}' as a usage error`, () => {
    try {
      parseScale(bad);
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.instance(err, PgscaleError);
      assert.is((err as PgscaleError).exitCode, 2);
      assert.match((err as Error).message, 'invalid --scale');
    }
  });
}

test('parseMessages names its own flag in the error (--project)', () => {
  assert.is(parseMessages('--project')('1b'), 1_000_000_000);
  assert.throws(() => parseMessages('--project')('lots'), /invalid --project 'lots'/);
});

test('parseInteger enforces its bounds', () => {
  assert.is(parseInteger('--jobs', 1, 64)('8'), 8);
  assert.throws(() => parseInteger('--jobs', 1, 64)('0'), /--jobs/);
  assert.throws(() => parseInteger('--jobs', 1, 64)('3.5'), /--jobs/);
});

test.run();
