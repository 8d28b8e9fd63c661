/**
 * pgbench's `\set` expressions: the grammar (a subset of src/bin/pgbench/exprparse.y), a
 * compiler to closures, and pgbench's random functions (src/bin/pgbench/pgbench.c,
 * getrand / getExponentialRand / getGaussianRand / computeIterativeZipfian).
 * https://www.postgresql.org/docs/current/pgbench.html#PGBENCH-BUILTIN-FUNCTIONS
 *
 * Values are typed as in pgbench: int, double or boolean, and the type decides the
 * arithmetic (7 / 2 = 3 but 7.0 / 2 = 3.5). pgbench's ints are int64; ours are JS numbers,
 * exact up to 2^53: a constant, variable or result beyond that is an error, never a
 * silently rounded value. pgbench's null, CASE, IS, bitwise operators, hash(), permute()
 * and debug() are rejected at parse time.
 */

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '=' | '<>' | '<' | '<=' | '>' | '>=' | 'and' | 'or';

export type Expr =
  | { kind: 'int'; value: number }
  | { kind: 'double'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'var'; name: string }
  | { kind: 'unary'; op: '-' | 'not'; arg: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'call'; fn: string; args: Expr[] };

/** A parse or evaluation error, without location: the script module adds file:line. */
export class ExprError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExprError';
  }
}

/** Functions and their [min, max] argument counts (pgbench's PGBENCH_FUNCTIONS). */
const FUNCTIONS: Record<string, [number, number]> = {
  abs: [1, 1],
  double: [1, 1],
  exp: [1, 1],
  greatest: [1, Infinity],
  int: [1, 1],
  least: [1, Infinity],
  ln: [1, 1],
  mod: [2, 2],
  pi: [0, 0],
  pow: [2, 2],
  power: [2, 2],
  random: [2, 2],
  random_exponential: [3, 3],
  random_gaussian: [3, 3],
  random_zipfian: [3, 3],
  sqrt: [1, 1],
};
const SUPPORTED_FUNCTIONS = Object.keys(FUNCTIONS).join(', ');
/** pgbench functions pgscale leaves out: named in the error instead of "unknown". */
const UNSUPPORTED_FUNCTIONS = new Set(['debug', 'hash', 'hash_fnv1a', 'hash_murmur2', 'permute']);
const UNSUPPORTED_WORDS = new Set(['case', 'when', 'then', 'else', 'end', 'is', 'isnull', 'notnull', 'null']);
const SUPPORTED_OPERATORS = '+ - * / % = <> != < <= > >= and or not';
/** pgbench's bitwise operators. */
const UNSUPPORTED_OPERATORS = new Set(['&', '|', '#', '~', '<<', '>>']);

/** pgbench's limits (pgbench.c MIN_GAUSSIAN_PARAM, MIN/MAX_ZIPFIAN_PARAM). */
export const MIN_GAUSSIAN_PARAM = 2.0;
export const MIN_ZIPFIAN_PARAM = 1.001;
export const MAX_ZIPFIAN_PARAM = 1000.0;

// ---------------------------------------------------------------------------------------
// Parsing

interface Token {
  t: 'int' | 'double' | 'var' | 'word' | 'op' | 'end';
  s: string;
  col: number;
}

// Names as pgbench's lexer takes them: [A-Za-z_] or any non-ASCII character, then digits too.
const NUMBER = /(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?/y;
const VARIABLE = /:([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)/y;
const WORD = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*/y;
const OPERATOR = /<>|!=|<=|>=|<<|>>|[-+*/%(),<>=&|#~]/y;
const SPACE = /\s+/y;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const at = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    const m = re.exec(src);
    return m ? m[0] : undefined;
  };
  while (i < src.length) {
    const space = at(SPACE);
    if (space) {
      i += space.length;
      continue;
    }
    const col = i + 1;
    let s: string | undefined;
    if ((s = at(NUMBER))) tokens.push({ t: /[.eE]/.test(s) ? 'double' : 'int', s, col });
    else if ((s = at(VARIABLE))) tokens.push({ t: 'var', s, col });
    else if ((s = at(WORD))) tokens.push({ t: 'word', s, col });
    else if ((s = at(OPERATOR))) tokens.push({ t: 'op', s, col });
    else throw new ExprError(`unexpected character "${src[i]}" at column ${col}`);
    i += s.length;
  }
  tokens.push({ t: 'end', s: '', col: src.length + 1 });
  return tokens;
}

/**
 * Parse a `\set` expression. Precedence as in exprparse.y, loosest first: OR, AND, NOT,
 * comparisons (non-associative), + -, * / %, unary minus.
 */
export function parseExpr(src: string): Expr {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (tok: Token, w: string) => tok.t === 'word' && tok.s.toLowerCase() === w;
  const unexpected = (tok: Token): never => {
    if (tok.t === 'end') throw new ExprError('the expression ends too early');
    if (tok.t === 'op' && UNSUPPORTED_OPERATORS.has(tok.s)) {
      throw new ExprError(`operator ${tok.s} is not supported by pgscale (supported: ${SUPPORTED_OPERATORS})`);
    }
    throw new ExprError(`syntax error at "${tok.s}" (column ${tok.col})`);
  };
  const expect = (s: string) => {
    const tok = tokens[pos];
    if (tok.t !== 'op' || tok.s !== s) unexpected(tok);
    pos++;
  };

  const orExpr = (): Expr => {
    let left = andExpr();
    while (isWord(peek(), 'or')) {
      pos++;
      left = { kind: 'binary', op: 'or', left, right: andExpr() };
    }
    return left;
  };
  const andExpr = (): Expr => {
    let left = notExpr();
    while (isWord(peek(), 'and')) {
      pos++;
      left = { kind: 'binary', op: 'and', left, right: notExpr() };
    }
    return left;
  };
  const notExpr = (): Expr => {
    if (isWord(peek(), 'not')) {
      pos++;
      return { kind: 'unary', op: 'not', arg: notExpr() };
    }
    return comparison();
  };
  const COMPARISONS: Record<string, BinaryOp> = { '=': '=', '<>': '<>', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
  const comparison = (): Expr => {
    const left = additive();
    const tok = peek();
    if (tok.t !== 'op' || !(tok.s in COMPARISONS)) return left;
    pos++;
    const node: Expr = { kind: 'binary', op: COMPARISONS[tok.s], left, right: additive() };
    const next = peek();
    // Non-associative, as in pgbench: a < b < c is an error, not (a < b) < c.
    if (next.t === 'op' && next.s in COMPARISONS) unexpected(next);
    return node;
  };
  const additive = (): Expr => {
    let left = multiplicative();
    for (let tok = peek(); tok.t === 'op' && (tok.s === '+' || tok.s === '-'); tok = peek()) {
      pos++;
      left = { kind: 'binary', op: tok.s as BinaryOp, left, right: multiplicative() };
    }
    return left;
  };
  const multiplicative = (): Expr => {
    let left = unary();
    for (let tok = peek(); tok.t === 'op' && (tok.s === '*' || tok.s === '/' || tok.s === '%'); tok = peek()) {
      pos++;
      left = { kind: 'binary', op: tok.s as BinaryOp, left, right: unary() };
    }
    return left;
  };
  const unary = (): Expr => {
    const tok = peek();
    if (tok.t === 'op' && tok.s === '+') {
      pos++;
      return unary();
    }
    if (tok.t === 'op' && tok.s === '-') {
      pos++;
      const arg = unary();
      // Fold -constant so random(-5000, 5000) costs nothing at run time.
      if (arg.kind === 'int' || arg.kind === 'double') return { kind: arg.kind, value: -arg.value + 0 };
      return { kind: 'unary', op: '-', arg };
    }
    return primary();
  };
  const primary = (): Expr => {
    const tok = tokens[pos++];
    switch (tok.t) {
      case 'int': {
        const value = Number(tok.s);
        if (!Number.isSafeInteger(value)) {
          throw new ExprError(`integer ${tok.s} is beyond 2^53, which pgscale does not support (pgbench's limit is 2^63)`);
        }
        return { kind: 'int', value };
      }
      case 'double':
        return { kind: 'double', value: Number(tok.s) };
      case 'var':
        return { kind: 'var', name: tok.s.slice(1) };
      case 'op':
        if (tok.s === '(') {
          const inner = orExpr();
          expect(')');
          return inner;
        }
        return unexpected(tok);
      case 'word':
        return word(tok);
      default:
        return unexpected(tok);
    }
  };
  const word = (tok: Token): Expr => {
    const w = tok.s.toLowerCase();
    if (w === 'true' || w === 'false') return { kind: 'bool', value: w === 'true' };
    if (UNSUPPORTED_WORDS.has(w)) throw new ExprError(`${tok.s.toUpperCase()} is not supported by pgscale in \\set expressions`);
    if (peek().t !== 'op' || peek().s !== '(') {
      throw new ExprError(`unexpected word "${tok.s}" at column ${tok.col} (a variable needs a colon, :${tok.s}; a function needs parentheses)`);
    }
    if (UNSUPPORTED_FUNCTIONS.has(w)) throw new ExprError(`function ${w}() is not supported by pgscale (supported: ${SUPPORTED_FUNCTIONS})`);
    const arity = FUNCTIONS[w];
    if (!arity) throw new ExprError(`unknown function ${tok.s}() (supported: ${SUPPORTED_FUNCTIONS})`);
    pos++; // the '('
    const args: Expr[] = [];
    if (!(peek().t === 'op' && peek().s === ')')) {
      args.push(orExpr());
      while (peek().t === 'op' && peek().s === ',') {
        pos++;
        args.push(orExpr());
      }
    }
    expect(')');
    const [min, max] = arity;
    if (args.length < min || args.length > max) {
      const wanted = min === max ? `${min}` : `at least ${min}`;
      throw new ExprError(`${w}() takes ${wanted} argument${min === 1 && max === 1 ? '' : 's'}, not ${args.length}`);
    }
    return { kind: 'call', fn: w === 'power' ? 'pow' : w, args };
  };

  if (peek().t === 'end') throw new ExprError('missing expression');
  const expr = orExpr();
  if (peek().t !== 'end') unexpected(peek());
  return expr;
}

/** The variables an expression reads, in order of appearance (with repeats). */
export function exprVariables(e: Expr, out: string[] = []): string[] {
  switch (e.kind) {
    case 'var':
      out.push(e.name);
      break;
    case 'unary':
      exprVariables(e.arg, out);
      break;
    case 'binary':
      exprVariables(e.left, out);
      exprVariables(e.right, out);
      break;
    case 'call':
      for (const a of e.args) exprVariables(a, out);
      break;
    default:
      break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Evaluation

/** Kinds of a value. A variable slot may also be UNSET or BAD (a -D string that is no number). */
export const INT = 0;
export const DOUBLE = 1;
export const BOOL = 2;
export const UNSET = 3;
export const BAD = 4;

/**
 * One client's variables, by slot, plus the kind of the last value a compiled node
 * returned (`k`): nodes return a bare number and set `k`, so evaluating allocates nothing.
 */
export class EvalState {
  readonly num: Float64Array;
  readonly kind: Uint8Array;
  /** The value as given (a -D string, an integer beyond 2^53): sent to SQL as is. */
  readonly raw: unknown[];
  /** Why a BAD slot cannot be read as a number. */
  readonly bad: string[];
  k = INT;

  constructor(
    readonly names: readonly string[],
    readonly random: () => number,
  ) {
    this.num = new Float64Array(names.length);
    this.kind = new Uint8Array(names.length).fill(UNSET);
    this.raw = new Array(names.length).fill(undefined);
    this.bad = new Array(names.length).fill('');
  }

  /** Give a slot its initial value, read as pgbench reads a -D value (makeVariableValue). */
  define(slot: number, value: number | string): void {
    const name = this.names[slot];
    this.raw[slot] = undefined;
    if (typeof value === 'number') {
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        this.raw[slot] = value;
        this.kind[slot] = BAD;
        this.bad[slot] = `variable "${name}" = ${value} is an integer beyond 2^53, which pgscale does not support in expressions`;
        return;
      }
      this.num[slot] = value;
      this.kind[slot] = Number.isInteger(value) ? INT : DOUBLE;
      return;
    }
    this.raw[slot] = value;
    const s = value.trim().toLowerCase();
    if (/^[+-]?\d+$/.test(s)) {
      const n = Number(s);
      if (Number.isSafeInteger(n)) {
        this.num[slot] = n;
        this.kind[slot] = INT;
      } else {
        this.kind[slot] = BAD;
        this.bad[slot] = `variable "${name}" = ${value} is an integer beyond 2^53, which pgscale does not support in expressions`;
      }
    } else if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(s)) {
      this.num[slot] = Number(s);
      this.kind[slot] = DOUBLE;
    } else if (['true', 'yes', 'on', 'false', 'no', 'off'].includes(s)) {
      this.num[slot] = s === 'true' || s === 'yes' || s === 'on' ? 1 : 0;
      this.kind[slot] = BOOL;
    } else {
      this.kind[slot] = BAD;
      this.bad[slot] = `variable "${name}" has value ${JSON.stringify(value)}, which is not a number or a boolean`;
    }
  }

  /** Store an evaluated value (its kind is in `k`). */
  assign(slot: number, value: number): void {
    this.num[slot] = value;
    this.kind[slot] = this.k;
    this.raw[slot] = undefined;
  }
}

/** A compiled expression: returns the value and leaves its kind in `s.k`. */
export type Node = (s: EvalState) => number;

const KIND_NAMES = ['int', 'double', 'boolean'];

function notNumber(what: string): ExprError {
  return new ExprError(`cannot use a boolean as a number in ${what}`);
}

/** C's rint(): round half to even, as pgbench's coerceToInt does for doubles. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function asInt(v: number, k: number, what: string): number {
  if (k === INT) return v;
  if (k === BOOL) throw notNumber(what);
  const r = rint(v);
  if (!Number.isSafeInteger(r)) throw new ExprError(`${what}: ${v} does not fit an integer (pgscale's integers are exact up to 2^53)`);
  return r + 0;
}

function asDouble(v: number, k: number, what: string): number {
  if (k === BOOL) throw notNumber(what);
  return v;
}

function checkedInt(v: number, what: string): number {
  if (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER) {
    throw new ExprError(`integer overflow in ${what}: pgscale computes \\set integers exactly only up to 2^53`);
  }
  return v + 0; // no -0
}

type Arith = (a: number, b: number) => number;

/** + - * : int if both sides are ints, else double (pgbench's "double if some double"). */
function arith(L: Node, R: Node, op: string, f: Arith): Node {
  return (s) => {
    const a = L(s);
    const ak = s.k;
    const b = R(s);
    const bk = s.k;
    if ((ak | bk) === INT) {
      s.k = INT;
      return checkedInt(f(a, b), op);
    }
    if (ak === BOOL || bk === BOOL) throw notNumber(op);
    s.k = DOUBLE;
    return f(a, b);
  };
}

function compare(L: Node, R: Node, op: string, f: (a: number, b: number) => boolean): Node {
  return (s) => {
    const a = L(s);
    const ak = s.k;
    const b = R(s);
    if (ak === BOOL || s.k === BOOL) throw notNumber(op);
    s.k = BOOL;
    return f(a, b) ? 1 : 0;
  };
}

function asBool(s: EvalState, v: number, op: string): boolean {
  if (s.k !== BOOL) throw new ExprError(`${op} needs booleans, not ${KIND_NAMES[s.k]} ${v}`);
  return v !== 0;
}

function compileBinary(op: BinaryOp, L: Node, R: Node): Node {
  switch (op) {
    case '+':
      return arith(L, R, '+', (a, b) => a + b);
    case '-':
      return arith(L, R, '-', (a, b) => a - b);
    case '*':
      return arith(L, R, '*', (a, b) => a * b);
    case '/':
      return (s) => {
        const a = L(s);
        const ak = s.k;
        const b = R(s);
        const bk = s.k;
        // pgbench returns ±Infinity for a double divided by 0.0; pgscale stops on both, as
        // sending "Infinity" to the server is never what a load script meant.
        if (b === 0) throw new ExprError('division by zero');
        if ((ak | bk) === INT) {
          s.k = INT;
          // Truncates toward zero like C's int64 division, and exactly: a - a % b is a
          // multiple of b (JS % is C's fmod, exact), so the quotient needs no rounding.
          return checkedInt((a - (a % b)) / b, '/');
        }
        if (ak === BOOL || bk === BOOL) throw notNumber('/');
        s.k = DOUBLE;
        return a / b;
      };
    case '%':
      return mod(L, R, '%');
    case '=':
      return compare(L, R, '=', (a, b) => a === b);
    case '<>':
      return compare(L, R, '<>', (a, b) => a !== b);
    case '<':
      return compare(L, R, '<', (a, b) => a < b);
    case '<=':
      return compare(L, R, '<=', (a, b) => a <= b);
    case '>':
      return compare(L, R, '>', (a, b) => a > b);
    case '>=':
      return compare(L, R, '>=', (a, b) => a >= b);
    case 'and':
      return (s) => {
        if (!asBool(s, L(s), 'AND')) return 0; // lazy, as pgbench's evalLazyFunc
        const r = asBool(s, R(s), 'AND');
        s.k = BOOL;
        return r ? 1 : 0;
      };
    case 'or':
      return (s) => {
        if (asBool(s, L(s), 'OR')) return 1;
        const r = asBool(s, R(s), 'OR');
        s.k = BOOL;
        return r ? 1 : 0;
      };
    default:
      throw new ExprError(`internal: unknown operator ${op as string}`);
  }
}

/** % and mod(): always on ints, like C's % (the result has the dividend's sign). */
function mod(L: Node, R: Node, what: string): Node {
  return (s) => {
    const a = asInt(L(s), s.k, what);
    const b = asInt(R(s), s.k, what);
    if (b === 0) throw new ExprError('division by zero');
    s.k = INT;
    return (a % b) + 0;
  };
}

type RandomKind = 'random' | 'random_exponential' | 'random_gaussian' | 'random_zipfian';

function compileRandom(fn: RandomKind, [LB, UB, P]: Node[]): Node {
  return (s) => {
    const lb = asInt(LB(s), s.k, fn);
    const ub = asInt(UB(s), s.k, fn);
    const param = P ? asDouble(P(s), s.k, fn) : 0;
    if (lb > ub) throw new ExprError(`${fn}(): empty range, lower bound ${lb} is greater than upper bound ${ub}`);
    if (ub - lb + 1 > Number.MAX_SAFE_INTEGER) throw new ExprError(`${fn}(): range is too large (pgscale supports at most 2^53 values)`);
    s.k = INT;
    switch (fn) {
      case 'random':
        return randomUniform(s.random, lb, ub);
      case 'random_exponential':
        if (!(param > 0)) throw new ExprError(`random_exponential(): parameter must be greater than 0 (not ${param})`);
        return randomExponential(s.random, lb, ub, param);
      case 'random_gaussian':
        if (!(param >= MIN_GAUSSIAN_PARAM)) {
          throw new ExprError(`random_gaussian(): parameter must be at least ${MIN_GAUSSIAN_PARAM.toFixed(1)} (not ${param})`);
        }
        return randomGaussian(s.random, lb, ub, param);
      default:
        if (!(param >= MIN_ZIPFIAN_PARAM && param <= MAX_ZIPFIAN_PARAM)) {
          throw new ExprError(`random_zipfian(): parameter must be in [${MIN_ZIPFIAN_PARAM}, ${MAX_ZIPFIAN_PARAM}] (not ${param})`);
        }
        return randomZipfian(s.random, lb, ub, param);
    }
  };
}

function compileCall(fn: string, A: Node[]): Node {
  switch (fn) {
    case 'random':
    case 'random_exponential':
    case 'random_gaussian':
    case 'random_zipfian':
      return compileRandom(fn, A);
    case 'abs':
      return (s) => Math.abs(asDouble(A[0](s), s.k, 'abs()')); // keeps the kind
    case 'int':
      return (s) => {
        const v = asInt(A[0](s), s.k, 'int()');
        s.k = INT;
        return v;
      };
    case 'double':
    case 'sqrt':
    case 'ln':
    case 'exp': {
      const f = fn === 'sqrt' ? Math.sqrt : fn === 'ln' ? Math.log : fn === 'exp' ? Math.exp : (x: number) => x;
      return (s) => {
        const v = f(asDouble(A[0](s), s.k, `${fn}()`));
        s.k = DOUBLE;
        return v;
      };
    }
    case 'pow':
      return (s) => {
        const a = asDouble(A[0](s), s.k, 'pow()');
        const b = asDouble(A[1](s), s.k, 'pow()');
        s.k = DOUBLE;
        return Math.pow(a, b);
      };
    case 'pi':
      return (s) => {
        s.k = DOUBLE;
        return Math.PI;
      };
    case 'mod':
      return mod(A[0], A[1], 'mod()');
    case 'least':
    case 'greatest': {
      const least = fn === 'least';
      return (s) => {
        // Ints and doubles order the same as numbers; the result is a double if any is.
        let best = asDouble(A[0](s), s.k, `${fn}()`);
        let kind = s.k;
        for (let i = 1; i < A.length; i++) {
          const v = asDouble(A[i](s), s.k, `${fn}()`);
          if (s.k === DOUBLE) kind = DOUBLE;
          if (least ? v < best : v > best) best = v;
        }
        s.k = kind;
        return best;
      };
    }
    default:
      throw new ExprError(`internal: unknown function ${fn}()`);
  }
}

/** Compile an expression; `slot` maps a variable name to its index in EvalState. */
export function compileExpr(e: Expr, slot: (name: string) => number): Node {
  switch (e.kind) {
    case 'int':
    case 'double': {
      const v = e.value;
      const k = e.kind === 'int' ? INT : DOUBLE;
      return (s) => {
        s.k = k;
        return v;
      };
    }
    case 'bool': {
      const v = e.value ? 1 : 0;
      return (s) => {
        s.k = BOOL;
        return v;
      };
    }
    case 'var': {
      const i = slot(e.name);
      const name = e.name;
      return (s) => {
        const k = s.kind[i];
        if (k > BOOL) throw new ExprError(k === UNSET ? `variable "${name}" is not defined` : s.bad[i]);
        s.k = k;
        return s.num[i];
      };
    }
    case 'unary': {
      const A = compileExpr(e.arg, slot);
      if (e.op === 'not') {
        return (s) => (asBool(s, A(s), 'NOT') ? 0 : 1);
      }
      return (s) => {
        const v = A(s);
        if (s.k === BOOL) throw notNumber('unary -');
        return s.k === INT ? checkedInt(-v, '-') : -v;
      };
    }
    case 'binary':
      return compileBinary(e.op, compileExpr(e.left, slot), compileExpr(e.right, slot));
    case 'call':
      return compileCall(
        e.fn,
        e.args.map((a) => compileExpr(a, slot)),
      );
    default:
      throw new ExprError('internal: unknown expression node');
  }
}

// ---------------------------------------------------------------------------------------
// Random functions: pgbench's algorithms, over a uniform source in [0, 1). Bounds are
// checked by the caller (lb <= ub, parameters in range). The result's resolution is the
// source's: a 32-bit source cannot reach every value of a range wider than 2^32.

/** Uniform integer in [lb, ub] (pgbench's getrand). */
export function randomUniform(random: () => number, lb: number, ub: number): number {
  const v = lb + Math.floor(random() * (ub - lb + 1));
  return v > ub ? ub : v; // u * n can round up to n when n is near 2^53
}

/**
 * Exponential integer in [lb, ub] (getExponentialRand): the density at ub is exp(-param)
 * times the density at lb.
 */
export function randomExponential(random: () => number, lb: number, ub: number, param: number): number {
  const cut = Math.exp(-param);
  const uniform = 1.0 - random(); // in (0, 1]
  const rand = -Math.log(cut + (1.0 - cut) * uniform) / param; // in [0, 1)
  const v = lb + Math.trunc((ub - lb + 1) * rand);
  return v > ub ? ub : v; // rand can round to 1.0 for a 53-bit uniform near 0
}

/**
 * Gaussian integer in [lb, ub] (getGaussianRand): a standard normal drawn by Box–Muller
 * (pg_prng_double_normal), redrawn until it falls in [-param, param), mapped onto the range.
 */
export function randomGaussian(random: () => number, lb: number, ub: number, param: number): number {
  let stdev: number;
  do {
    const u1 = 1.0 - random(); // (0, 1]: never log(0)
    const u2 = 1.0 - random();
    stdev = Math.sqrt(-2.0 * Math.log(u1)) * Math.sin(2.0 * Math.PI * u2);
  } while (stdev < -param || stdev >= param);
  const rand = (stdev + param) / (param * 2.0); // in [0, 1)
  const v = lb + Math.trunc((ub - lb + 1) * rand);
  return v > ub ? ub : v;
}

/**
 * Zipfian integer in [lb, ub] with exponent s (getZipfianRand): rank 1 (lb) is the most
 * frequent, and P(k) ∝ 1/k^s. Devroye's rejection method, "Non-Uniform Random Variate
 * Generation", p. 550-551, as computeIterativeZipfian; slow for s very close to 1.
 */
export function randomZipfian(random: () => number, lb: number, ub: number, s: number): number {
  const n = ub - lb + 1;
  if (n <= 1) return lb;
  const b = Math.pow(2.0, s - 1.0);
  for (;;) {
    const u = random();
    const v = random();
    const x = Math.floor(Math.pow(u, -1.0 / (s - 1.0)));
    const t = Math.pow(1.0 + 1.0 / x, s - 1.0);
    // reject if too large or out of bound
    if ((v * x * (t - 1.0)) / (b - 1.0) <= t / b && x <= n) return lb - 1 + x;
  }
}
