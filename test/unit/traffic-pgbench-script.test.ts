// pgbench custom scripts: parsing (SQL, \set, \sleep, rejected constructs), variable
// checks, \set arithmetic, pgbench's random functions, and running a script per client.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomExponential, randomGaussian, randomZipfian } from '../../bench/traffic/pgbench-expr.ts';
import { checkVariables, parseScript, parseScriptArg, ScriptSession } from '../../bench/traffic/pgbench-script.ts';
import type { PgbenchScript } from '../../bench/traffic/pgbench-script.ts';
import { PgscaleError } from '../../core/errors.ts';
import { Rng } from '../../generators/rng.ts';

// pgbench's built-in scripts, as the pgbench documentation prints them
// ("What Is the 'Transaction' Actually Performed in pgbench?").
const TPCB_LIKE = `\\set aid random(1, 100000 * :scale)
\\set bid random(1, 1 * :scale)
\\set tid random(1, 10 * :scale)
\\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
`;

const SELECT_ONLY = `\\set aid random(1, 100000 * :scale)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
`;

const noSql = async () => undefined;
const noSleep = async () => undefined;

function usageError(fn: () => unknown): PgscaleError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, PgscaleError);
    assert.is((err as PgscaleError).code, 'USAGE');
    return err as PgscaleError;
  }
  assert.unreachable('should have thrown');
  throw new Error('unreachable');
}

async function runError(script: PgbenchScript, vars: Record<string, number | string> = {}): Promise<PgscaleError> {
  try {
    await new ScriptSession(script, vars, () => 0.5).run(noSql, noSleep);
  } catch (err) {
    assert.instance(err, PgscaleError);
    return err as PgscaleError;
  }
  assert.unreachable('should have thrown');
  throw new Error('unreachable');
}

/** Evaluate `\set r EXPR` once and return r. */
async function evaluate(expr: string, vars: Record<string, number | string> = {}): Promise<unknown> {
  const session = new ScriptSession(parseScript(`\\set r ${expr}`, 'e.sql'), vars, () => 0.5);
  await session.run(noSql, noSleep);
  return session.get('r');
}

/** n draws of `\set r EXPR` from a seeded source. */
async function draws(expr: string, n = 20_000, seed = 7): Promise<number[]> {
  const rng = new Rng(seed, 1);
  const session = new ScriptSession(parseScript(`\\set r ${expr}`, 'd.sql'), {}, () => rng.next());
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    await session.run(noSql, noSleep);
    out.push(session.get('r') as number);
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const within = (xs: number[], lb: number, ub: number) => xs.every((x) => Number.isInteger(x) && x >= lb && x <= ub);
const close = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: ${got}, expected ${want} ± ${tol}`);

// --- parsing ---------------------------------------------------------------------------

test('the tpcb-like built-in script parses into four \\set and seven SQL commands', () => {
  const s = parseScript(TPCB_LIKE, 'tpcb-like.sql');
  assert.equal(
    s.commands.map((c) => `${c.line}:${c.kind}`),
    ['1:set', '2:set', '3:set', '4:set', '5:sql', '6:sql', '7:sql', '8:sql', '9:sql', '10:sql', '11:sql'],
  );
  assert.equal(s.commands[4], { kind: 'sql', line: 5, text: 'BEGIN', vars: [] });
  assert.equal(s.commands[5], {
    kind: 'sql',
    line: 6,
    text: 'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2',
    vars: ['delta', 'aid'],
  });
  assert.equal(s.commands[9], {
    kind: 'sql',
    line: 10,
    text: 'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)',
    vars: ['tid', 'bid', 'aid', 'delta'],
  });
  assert.equal(s.commands[3], { kind: 'set', line: 4, name: 'delta', expr: { kind: 'call', fn: 'random', args: [{ kind: 'int', value: -5000 }, { kind: 'int', value: 5000 }] } });
  assert.is(s.weight, 1);
  checkVariables(s, ['scale', 'client_id', 'random_seed']);
});

test('the select-only built-in script parses into one \\set and one SELECT', () => {
  const s = parseScript(SELECT_ONLY, 'select-only.sql', 9);
  assert.is(s.weight, 9);
  assert.is(s.commands.length, 2);
  assert.equal(s.commands[1], { kind: 'sql', line: 2, text: 'SELECT abalance FROM pgbench_accounts WHERE aid = $1', vars: ['aid'] });
});

test(':name becomes $n in order of appearance, one $n per occurrence as in pgbench', () => {
  const [cmd] = parseScript('SELECT :a + :b_2, :a, :é;', 'v.sql').commands;
  assert.equal(cmd, { kind: 'sql', line: 1, text: 'SELECT $1 + $2, $3, $4', vars: ['a', 'b_2', 'a', 'é'] });
});

test(':: casts, quoted strings, quoted identifiers, dollar quotes and comments keep their colons', () => {
  const sql = `SELECT :x::int, '12:30:00'::time, 'it''s :x', E'\\' :x', "odd:name", $$ :x; $$, $f$ :x $f$ /* :x; */ -- :x;
  FROM t WHERE a = :y;`;
  const [cmd, ...rest] = parseScript(sql, 'q.sql').commands;
  assert.is(rest.length, 0, 'the ; inside quotes and comments does not end the command');
  assert.equal(cmd.kind === 'sql' && cmd.vars, ['x', 'y']);
  assert.is(
    cmd.kind === 'sql' && cmd.text,
    `SELECT $1::int, '12:30:00'::time, 'it''s :x', E'\\' :x', "odd:name", $$ :x; $$, $f$ :x $f$ /* :x; */ -- :x;
  FROM t WHERE a = $2`,
  );
});

test('an SQL command spans lines up to its ; and is numbered by its first line', () => {
  const s = parseScript('-- a comment\n\nSELECT a,\n       b\n  FROM t\n WHERE c = :c;\n\\sleep 1\n', 'm.sql');
  assert.equal(s.commands[0], { kind: 'sql', line: 3, text: 'SELECT a,\n       b\n  FROM t\n WHERE c = $1', vars: ['c'] });
  assert.is(s.commands[1].line, 7);
});

test('statements on one line are separate commands, and the last one may lack its ;', () => {
  const s = parseScript('BEGIN; SELECT 1;\nSELECT 2', 's.sql');
  assert.equal(
    s.commands.map((c) => c.kind === 'sql' && [c.line, c.text]),
    [
      [1, 'BEGIN'],
      [1, 'SELECT 1'],
      [2, 'SELECT 2'],
    ],
  );
});

for (const meta of ['\\gset', '\\aset', '\\setshell x echo 1', '\\shell ls', '\\if :x = 1', '\\elif true', '\\else', '\\endif', '\\startpipeline', '\\endpipeline', '\\syncpipeline', '\\frobnicate']) {
  const name = meta.split(' ')[0];
  test(`${name} is rejected with its line number`, () => {
    const err = usageError(() => parseScript(`SELECT 1;\n\n${meta}\nSELECT 2;\n`, 'r.sql'));
    assert.is(err.message, `r.sql:3: ${name} is not supported by pgscale (supported: \\set, \\sleep)`);
  });
}

test('\\gset after a query on the same line is rejected, not ignored', () => {
  const err = usageError(() => parseScript('\\set a 1\nSELECT abalance FROM t WHERE aid = :a \\gset\n', 'g.sql'));
  assert.match(err.message, /^g\.sql:2: \\gset is not supported by pgscale/);
});

test('a \\; compound statement is rejected with its line number', () => {
  const err = usageError(() => parseScript('SELECT 1;\nSELECT 2 \\; SELECT 3;\n', 'c.sql'));
  assert.match(err.message, /^c\.sql:2: \\; \(a compound statement\) is not supported by pgscale/);
});

test('positional parameters, unterminated quotes and empty scripts are usage errors with a line', () => {
  assert.match(usageError(() => parseScript('\nSELECT $1;', 'p.sql')).message, /^p\.sql:2: positional parameter \$1/);
  assert.match(usageError(() => parseScript("SELECT 1;\nSELECT 'abc;\n\n", 'u.sql')).message, /^u\.sql:2: unterminated quoted string/);
  assert.match(usageError(() => parseScript('-- nothing\n\n', 'e.sql')).message, /^e\.sql:1: the script has no SQL command/);
});

test('unknown functions, wrong argument counts and bad syntax in \\set are parse errors with a line', () => {
  const cases: Array<[string, RegExp]> = [
    ['\\set x rand(1, 2)', /^x\.sql:2: \\set x: unknown function rand\(\) \(supported: abs, .*random_zipfian/],
    ['\\set x random(1, 2, 3)', /^x\.sql:2: \\set x: random\(\) takes 2 arguments, not 3/],
    ['\\set x random_zipfian(1, 2)', /^x\.sql:2: \\set x: random_zipfian\(\) takes 3 arguments, not 2/],
    ['\\set x permute(1, 10)', /^x\.sql:2: \\set x: function permute\(\) is not supported by pgscale/],
    ['\\set x 1 +', /^x\.sql:2: \\set x: the expression ends too early/],
    ['\\set x (1 + 2', /^x\.sql:2: \\set x: the expression ends too early/],
    ['\\set x 1 & 2', /^x\.sql:2: \\set x: operator & is not supported by pgscale/],
    ['\\set x aid + 1', /^x\.sql:2: \\set x: unexpected word "aid".*:aid/],
    ['\\set x', /^x\.sql:2: \\set needs a variable name and an expression/],
    ['\\set 1x 5', /^x\.sql:2: \\set: invalid variable name "1x"/],
  ];
  for (const [line, want] of cases) assert.match(usageError(() => parseScript(`SELECT 1;\n${line}\n`, 'x.sql')).message, want);
});

test('a \\set continued by a backslash at the end of the line is one command', () => {
  const s = parseScript('\\set x 1 + \\\n  2\nSELECT :x;\n', 'c.sql');
  assert.is(s.commands.length, 2);
  assert.equal(s.commands[1], { kind: 'sql', line: 3, text: 'SELECT $1', vars: ['x'] });
});

test('parseScriptArg reads FILE@WEIGHT like pgbench -f', () => {
  assert.equal(parseScriptArg('tpcb.sql'), { file: 'tpcb.sql', weight: 1 });
  assert.equal(parseScriptArg('select.sql@9'), { file: 'select.sql', weight: 9 });
  assert.equal(parseScriptArg('dir/a@b.sql@0'), { file: 'dir/a@b.sql', weight: 0 });
  for (const bad of ['a.sql@', 'a.sql@-1', 'a.sql@x', 'a.sql@1.5', 'a.sql@2147483648', '@3', '']) {
    assert.is(usageError(() => parseScriptArg(bad)).exitCode, 2, bad);
  }
});

// --- variables -------------------------------------------------------------------------

test('checkVariables names the line and variable used before it is defined', () => {
  const s = parseScript('\\set a random(1, :scale)\nSELECT :a, :b;\n', 'u.sql');
  assert.match(usageError(() => checkVariables(s, ['scale'])).message, /^u\.sql:2: variable :b is used before it is defined/);
  checkVariables(s, ['scale', 'b']);
  assert.match(usageError(() => checkVariables(s, [])).message, /^u\.sql:1: variable :scale/);
  // Set after its use: pgbench's first transaction would abort, so this is an error too.
  const late = parseScript('SELECT :n;\n\\set n 1\n', 'l.sql');
  assert.match(usageError(() => checkVariables(late, [])).message, /^l\.sql:1: variable :n/);
  const sleep = parseScript('\\sleep :pause ms\n', 's.sql');
  assert.match(usageError(() => checkVariables(sleep, [])).message, /^s\.sql:1: variable :pause/);
});

test('-D string values go to SQL as given and are read as numbers in expressions', async () => {
  const s = parseScript('\\set m :n + 1\nSELECT :name, :n, :m, :flag;\n\\set bad :name + 1\n', 'd.sql');
  const calls: unknown[][] = [];
  const session = new ScriptSession(s, { name: 'abc', n: '41', flag: 'true' }, () => 0.5);
  const err = await (async () => {
    try {
      await session.run(async (_sql, values) => calls.push(values), noSleep);
    } catch (e) {
      return e as PgscaleError;
    }
    return undefined;
  })();
  assert.equal(calls, [['abc', '41', 42, 'true']]);
  assert.match(err?.message ?? '', /^d\.sql:3: \\set bad: variable "name" has value "abc", which is not a number/);
});

// --- expressions -----------------------------------------------------------------------

test('integer arithmetic: precedence, truncating division, C modulo and unary minus', async () => {
  const cases: Array<[string, number]> = [
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 2 - 3', 5],
    ['2 * 3 % 4', 2],
    ['7 / 2', 3],
    ['-7 / 2', -3],
    ['7 / -2', -3],
    ['-7 / -2', 3],
    ['-7 % 3', -1],
    ['7 % -3', 1],
    ['mod(-7, 3)', -1],
    ['-(2 + 3) * 2', -10],
    ['- - 4', 4],
    ['2 - -3', 5],
    ['100000 * :scale', 500000],
    ['abs(-4) + least(3, 1, 2) + greatest(5, 9)', 14],
  ];
  for (const [expr, want] of cases) assert.is(await evaluate(expr, { scale: 5 }), want, expr);
});

test('doubles and booleans follow pgbench: double if either side is, int() rounds half to even', async () => {
  const cases: Array<[string, unknown]> = [
    ['7.0 / 2', 3.5],
    ['7 / 2.0', 3.5],
    ['double(7) / 2', 3.5],
    ['int(7.5)', 8],
    ['int(6.5)', 6],
    ['int(-2.5)', -2],
    ['7.9 % 3', 2], // % works on ints: rint(7.9) = 8
    ['sqrt(16) + pi() - pi()', 4],
    ['pow(2, 10)', 1024],
    ['1e3 + .5', 1000.5],
    ['1 < 2 and 2 <= 2', true],
    ['not (1 = 1) or 3 <> 3', false],
    ['greatest(1, 2.5)', 2.5],
  ];
  for (const [expr, want] of cases) assert.is(await evaluate(expr), want, expr);
});

test('division and modulo by zero are runtime errors naming the line', async () => {
  for (const expr of ['1 / :zero', '1 % :zero', 'mod(5, 0)', '1.5 / 0']) {
    const err = await runError(parseScript(`SELECT 1;\n\\set x ${expr}\n`, 'z.sql'), { zero: 0 });
    assert.match(err.message, /^z\.sql:2: \\set x: division by zero$/, expr);
  }
});

test('an integer result beyond 2^53 is an error, not a rounded value', async () => {
  const err = await runError(parseScript('\\set x 9007199254740991 + 1\n', 'o.sql'));
  assert.match(err.message, /^o\.sql:1: \\set x: integer overflow in \+/);
  assert.match(usageError(() => parseScript('\\set x 9223372036854775807\n', 'o.sql')).message, /beyond 2\^53/);
});

test('invalid random bounds and parameters are runtime errors naming the line', async () => {
  const cases: Array<[string, RegExp]> = [
    ['random(10, 1)', /random\(\): empty range, lower bound 10 is greater than upper bound 1/],
    ['random_exponential(1, 10, 0)', /random_exponential\(\): parameter must be greater than 0/],
    ['random_gaussian(1, 10, 1.5)', /random_gaussian\(\): parameter must be at least 2\.0/],
    ['random_zipfian(1, 10, 1.0)', /random_zipfian\(\): parameter must be in \[1\.001, 1000\]/],
    ['random_zipfian(1, 10, 1001)', /random_zipfian\(\): parameter must be in/],
    ['random(1, :missing)', /variable "missing" is not defined/],
  ];
  for (const [expr, want] of cases) {
    const err = await runError(parseScript(`\\set a 1\n\n\\set x ${expr}\n`, 'b.sql'));
    assert.match(err.message, /^b\.sql:3: \\set x: /, expr);
    assert.match(err.message, want, expr);
  }
});

// --- random functions ------------------------------------------------------------------

test('random() is uniform over [lb, ub]', async () => {
  const xs = await draws('random(1, 100)');
  assert.ok(within(xs, 1, 100));
  assert.ok(xs.includes(1) && xs.includes(100), 'both bounds are drawn');
  close(mean(xs), 50.5, 0.8, 'mean');
  for (let d = 0; d < 10; d++) {
    const n = xs.filter((x) => x > d * 10 && x <= d * 10 + 10).length;
    close(n, 2000, 250, `draws in decile ${d}`);
  }
});

test('random_exponential() has the mean and first-value share of pgbench\'s truncated exponential', async () => {
  const [lb, ub, p] = [1, 100, 5];
  const xs = await draws(`random_exponential(${lb}, ${ub}, ${p})`);
  assert.ok(within(xs, lb, ub));
  // P(X >= lb + k) = (e^(-p k/n) - e^(-p)) / (1 - e^(-p)) for n = ub - lb + 1, so the mean is
  // lb + the sum of those over k = 1..n-1, and P(X = lb) = (1 - e^(-p/n)) / (1 - e^(-p)).
  const n = ub - lb + 1;
  let want = lb;
  for (let k = 1; k < n; k++) want += (Math.exp((-p * k) / n) - Math.exp(-p)) / (1 - Math.exp(-p));
  close(mean(xs), want, 0.5, 'mean');
  const first = xs.filter((x) => x === lb).length / xs.length;
  close(first, (1 - Math.exp(-p / n)) / (1 - Math.exp(-p)), 0.006, 'share of lb');
});

test('random_gaussian() is symmetric about the middle with the truncated normal\'s spread', async () => {
  const [lb, ub, p] = [1, 100, 2.5];
  const xs = await draws(`random_gaussian(${lb}, ${ub}, ${p})`);
  assert.ok(within(xs, lb, ub));
  close(mean(xs), 50.5, 0.6, 'mean');
  const below = xs.filter((x) => x <= 50).length;
  close(below / xs.length, 0.5, 0.02, 'share below the middle');
  // x in [31, 70] exactly when the normal draw z is in [-1, 1): P(|Z| < 1 | |Z| < 2.5).
  const central = xs.filter((x) => x >= 31 && x <= 70).length / xs.length;
  close(central, 0.682689492 / 0.987580669, 0.015, 'share within one standard deviation');
});

test('random_zipfian() draws rank 1 most often, 2^s times as often as rank 2', async () => {
  const [lb, ub, s] = [1, 1000, 1.5];
  const xs = await draws(`random_zipfian(${lb}, ${ub}, ${s})`);
  assert.ok(within(xs, lb, ub));
  const counts = new Map<number, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  const c1 = counts.get(1) ?? 0;
  for (const [x, c] of counts) if (x !== 1) assert.ok(c < c1, `rank ${x} drawn ${c} times, rank 1 only ${c1}`);
  close(c1 / (counts.get(2) ?? 1), 2 ** s, 0.25, 'count(1) / count(2)');
  let h = 0;
  for (let k = 1; k <= ub; k++) h += k ** -s;
  close(c1 / xs.length, 1 / h, 0.015, 'share of rank 1');
});

test('the random functions use pgbench\'s formulas draw for draw', () => {
  const source = (...us: number[]) => () => {
    const u = us.shift();
    if (u === undefined) throw new Error('no draws left');
    return u;
  };
  // getExponentialRand draws u in (0, 1] as 1 - 0.25: -ln(e^-2 + (1 - e^-2) * 0.75) / 2
  // = 0.1218 → 1 + trunc(12.18). (With 0.25 itself it would be 53.)
  assert.is(randomExponential(source(0.25), 1, 100, 2), 13);
  // getGaussianRand: first pair gives sqrt(-2 ln 1e-4) = 4.29 >= 2.5 and is redrawn; then
  // z = sqrt(-2 ln 0.5) * sin(2π * 0.25) = 1.1774 → (z + 2.5) / 5 = 0.7355 → 1 + 73.
  assert.is(randomGaussian(source(0.9999, 0.75, 0.5, 0.75), 1, 100, 2.5), 74);
  // computeIterativeZipfian, s = 2: u = 0.25 gives x = 4, accepted when v <= 0.625; u = 0.001
  // gives x = 1000, beyond n = 91, so it is rejected whatever v is.
  assert.is(randomZipfian(source(0.25, 0.9, 0.001, 0.1, 0.25, 0.5), 10, 100, 2), 13);
});

// --- running ---------------------------------------------------------------------------

test('a session runs tpcb-like in order, passing each command its variables\' values', async () => {
  const rng = new Rng(1, 2);
  const session = new ScriptSession(parseScript(TPCB_LIKE, 'tpcb-like.sql'), { scale: 2 }, () => rng.next());
  const calls: Array<[string, unknown[]]> = [];
  await session.run(async (sql, values) => calls.push([sql, values]), noSleep);
  assert.is(calls.length, 7);
  assert.equal(calls[0], ['BEGIN', []]);
  const [aid, bid, tid, delta] = ['aid', 'bid', 'tid', 'delta'].map((v) => session.get(v) as number);
  assert.ok(aid >= 1 && aid <= 200_000 && bid >= 1 && bid <= 2 && tid >= 1 && tid <= 20 && delta >= -5000 && delta <= 5000);
  assert.equal(calls[1][1], [delta, aid]);
  assert.equal(calls[2], ['SELECT abalance FROM pgbench_accounts WHERE aid = $1', [aid]]);
  assert.equal(calls[5][1], [tid, bid, aid, delta]);
  assert.equal(calls[6], ['END', []]);
  await session.run(async (sql, values) => calls.push([sql, values]), noSleep);
  assert.ok(calls[8][1][1] !== aid || calls[7][1][0] !== delta, 'the next run draws new values');
});

test('\\sleep takes us, ms or s (s by default) and can read a variable', async () => {
  const s = parseScript('\\sleep 2\n\\sleep 10 ms\n\\sleep 500 us\n\\sleep 3s\n\\sleep :d ms\n\\set d 1500\n\\sleep :d us\n\\sleep 20 MS\n', 's.sql');
  assert.equal(s.commands[4], { kind: 'sleep', line: 5, amount: 'd', unit: 'ms' });
  const slept: number[] = [];
  await new ScriptSession(s, { d: 7 }, () => 0.5).run(noSql, async (ms) => {
    slept.push(ms);
  });
  assert.equal(slept, [2000, 10, 0.5, 3000, 7, 1.5, 20]);
});

test('\\sleep with a bad unit, duration or argument count is rejected with its line', () => {
  const cases: Array<[string, RegExp]> = [
    ['\\sleep 10 minutes', /unknown time unit "minutes" \(supported: us, ms, s\)/],
    ['\\sleep 1.5 s', /invalid duration "1\.5"/],
    ['\\sleep', /\\sleep needs a duration/],
    ['\\sleep 1 ms extra', /too many arguments/],
    ['\\sleep 10ms ms', /too many arguments/],
  ];
  for (const [line, want] of cases) {
    const msg = usageError(() => parseScript(`SELECT 1;\n${line}\n`, 'z.sql')).message;
    assert.match(msg, /^z\.sql:2: /, line);
    assert.match(msg, want, line);
  }
});

test('an undefined variable at run time names the line', async () => {
  const err = await runError(parseScript('SELECT 1;\nSELECT :nope;\n', 'n.sql'));
  assert.is(err.message, 'n.sql:2: variable :nope is not defined');
});

test.run();
