import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CopyWriter, copyRoundTrip, escapeCopyText } from '../../generators/copytext.ts';

/** A reference reader of one COPY text field (the server's rules, sql-copy.html "Text Format"). */
function unescape(field: string): string {
  const map: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v' };
  return field.replace(/\\(.)/gs, (_m, c: string) => map[c] ?? c);
}

const special = fc.constantFrom('\t', '\n', '\r', '\\', '\0', '"', "'", '😀', '👩‍💻', 'é', '日本', '\\N', '\\.', ' ');
const text = fc.array(fc.oneof(fc.string(), special, fc.string({ unit: 'grapheme' })), { maxLength: 20 }).map((a) => a.join(''));

test('escaped text never contains a raw tab, newline or carriage return', () => {
  fc.assert(fc.property(text, (s) => !/[\t\n\r]/.test(escapeCopyText(s))));
});

test('unescaping the escaped text gives the original (NUL becomes U+FFFD)', () => {
  fc.assert(fc.property(text, (s) => unescape(escapeCopyText(s)) === copyRoundTrip(s)));
});

test('NUL is replaced by U+FFFD because Postgres text cannot store it', () => {
  assert.is(escapeCopyText('a\0b'), 'a\uFFFDb');
});

test('CopyWriter writes uuids, integers, booleans, NULL and timestamps in COPY text form', () => {
  const w = new CopyWriter();
  w.uuid(0x01234567, 0x89abcdef, 0x01234567, 0x89abcdef);
  w.tab();
  w.int(0);
  w.tab();
  w.int(-42);
  w.tab();
  w.int(9007199254740991);
  w.tab();
  w.bool(true);
  w.tab();
  w.nil();
  w.tab();
  w.timestamp(Date.UTC(2025, 1, 28, 23, 59, 59, 7));
  w.tab();
  w.text('a\tb');
  w.nl();
  assert.is(
    w.take().toString(),
    '01234567-89ab-4def-8123-456789abcdef\t0\t-42\t9007199254740991\tt\t\\N\t2025-02-28 23:59:59.007+00\ta\\tb\n',
  );
});

test('integers are written as their decimal digits, at every length and around 2^31', () => {
  const edges = [9, 10, 99, 100, 999, 1e4 - 1, 1e4, 1e8 - 1, 1e8, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 1e15, 2 ** 53 - 1];
  const w = new CopyWriter();
  for (const n of [...edges, ...edges.map((e) => -e)]) {
    w.pos = 0;
    w.int(n);
    assert.is(w.buf.toString('latin1', 0, w.pos), String(n));
  }
  fc.assert(
    fc.property(fc.maxSafeInteger(), fc.integer({ min: 0, max: 15 }), (n, shift) => {
      const v = Math.trunc(n / 10 ** shift); // every length of number, not mostly 16 digits
      w.pos = 0;
      w.int(v);
      return w.buf.toString('latin1', 0, w.pos) === String(v);
    }),
  );
});

test('timestamps format like the server for any millisecond', () => {
  fc.assert(
    fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }), (ms) => {
      const w = new CopyWriter();
      w.timestamp(ms);
      const iso = new Date(ms).toISOString();
      return w.take().toString() === `${iso.slice(0, 10)} ${iso.slice(11, 23)}+00`;
    }),
  );
});

test('one writer formats a run of nearby timestamps right (its cached minute is reused and replaced)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(2024, 11, 31, 23, 58), max: Date.UTC(2026, 0, 1) }),
      fc.array(fc.integer({ min: -90_000, max: 90_000 }), { minLength: 1, maxLength: 60 }),
      (start, steps) => {
        const w = new CopyWriter();
        const expected: string[] = [];
        let ms = start;
        for (const step of steps) {
          ms += step;
          w.timestamp(ms);
          w.nl();
          const iso = new Date(ms).toISOString();
          expected.push(`${iso.slice(0, 10)} ${iso.slice(11, 23)}+00\n`);
        }
        return w.take().toString() === expected.join('');
      },
    ),
  );
});

test.run();
