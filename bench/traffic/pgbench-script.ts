/**
 * pgbench custom scripts for `pgscale traffic`: the parser (SQL commands, `\set`, `\sleep`)
 * and the per-client session that runs one.
 * https://www.postgresql.org/docs/current/pgbench.html#PGBENCH-CUSTOM-SCRIPTS
 *
 * Everything is decided at parse time: each SQL command becomes a prepared-statement text
 * with $1..$n in place of its :variables, and each expression a closure over numbered
 * variable slots, so running a script builds no strings and runs no regex. Any construct
 * pgscale does not run (\gset, \if, \shell, pipelines, `\;`…) is an error naming its line,
 * never skipped.
 */
import { PgscaleError } from '../../core/errors.ts';
import { BOOL, DOUBLE, EvalState, ExprError, INT, UNSET, compileExpr, exprVariables, parseExpr } from './pgbench-expr.ts';
import type { Expr, Node } from './pgbench-expr.ts';

export type { Expr } from './pgbench-expr.ts';

export type SleepUnit = 'us' | 'ms' | 's';

export type ScriptCommand =
  | { kind: 'sql'; line: number; text: string /* the SQL with :vars replaced by $1..$n */; vars: string[] /* variable name for each $i, in order */ }
  | { kind: 'set'; line: number; name: string; expr: Expr }
  | { kind: 'sleep'; line: number; amount: number | string /* a number or a variable name */; unit: SleepUnit };

export interface PgbenchScript {
  file: string;
  weight: number;
  commands: ScriptCommand[];
}

const SUPPORTED = '(supported: \\set, \\sleep)';
const HINT =
  'pgscale runs pgbench custom scripts made of SQL commands, \\set and \\sleep: see https://www.postgresql.org/docs/current/pgbench.html#PGBENCH-CUSTOM-SCRIPTS';
/** pgbench's -f weight range (parseScriptWeight). */
const MAX_WEIGHT = 2147483647;
/** pgbench's valid_variable_name(): ASCII letters, digits, _, or any non-ASCII character. */
const VARIABLE_NAME = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*$/;

/** Parse `FILE@WEIGHT` (weight a non-negative integer, default 1) as pgbench's -f does. */
export function parseScriptArg(arg: string): { file: string; weight: number } {
  // The last @ splits, as pgbench's strrchr: a@b.sql@2 is file a@b.sql, weight 2.
  const at = arg.lastIndexOf('@');
  const file = at < 0 ? arg : arg.slice(0, at);
  if (file === '') throw new PgscaleError('USAGE', `invalid script "${arg}": no file name`, { hint: 'Write FILE or FILE@WEIGHT, e.g. select.sql@9.' });
  if (at < 0) return { file, weight: 1 };
  const w = arg.slice(at + 1);
  if (!/^\d+$/.test(w) || Number(w) > MAX_WEIGHT) {
    throw new PgscaleError('USAGE', `invalid script weight in "${arg}": "${w}" is not an integer from 0 to ${MAX_WEIGHT}`, {
      hint: 'Write FILE@WEIGHT, e.g. select.sql@9, as pgbench -f does; the weight is optional and defaults to 1.',
    });
  }
  return { file, weight: Number(w) };
}

/** Parse a script's text; every error is a PgscaleError('USAGE', `${file}:${line}: …`) naming the construct and what is supported. */
export function parseScript(text: string, file: string, weight = 1): PgbenchScript {
  if (!Number.isInteger(weight) || weight < 0 || weight > MAX_WEIGHT) {
    throw new PgscaleError('USAGE', `${file}: invalid weight ${weight}: it must be an integer from 0 to ${MAX_WEIGHT}`, { hint: HINT });
  }
  return { file, weight, commands: new ScriptParser(text.replace(/\r\n?/g, '\n'), file).parse() };
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\f' || c === '\v';
const isNameStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 0x80;
const isNameChar = (c: number) => isNameStart(c) || (c >= 48 && c <= 57);
/** A character that continues an SQL identifier (which may contain $). */
const isIdentChar = (c: number) => isNameChar(c) || c === 36;

/**
 * A one-pass scanner over the script, tracking line numbers and the SQL lexical states
 * that hide `;` and `:name` (quotes, comments, dollar quotes), as psql's lexer does for
 * pgbench. A command ends at `;`, or, as in pgbench, where a meta-command starts.
 */
class ScriptParser {
  private i = 0;
  private line = 1;
  private readonly commands: ScriptCommand[] = [];
  // The SQL command being read: its first line, the text already copied (with $n in place
  // of :names), and where copying resumes.
  private pending = false;
  private sqlLine = 0;
  private parts: string[] = [];
  private vars: string[] = [];
  private copied = 0;

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {}

  private fail(line: number, message: string): never {
    throw new PgscaleError('USAGE', `${this.file}:${line}: ${message}`, { hint: HINT });
  }

  parse(): ScriptCommand[] {
    const src = this.src;
    while (this.i < src.length) {
      const c = src[this.i];
      if (c === '\n') {
        this.line++;
        this.i++;
      } else if (isSpace(c)) {
        this.i++;
      } else if (c === '-' && src[this.i + 1] === '-') {
        const eol = src.indexOf('\n', this.i);
        this.i = eol < 0 ? src.length : eol;
      } else if (c === '/' && src[this.i + 1] === '*') {
        this.blockComment();
      } else if (c === '\\') {
        this.endSql(this.i);
        this.metaCommand();
      } else if (c === ';') {
        this.endSql(this.i); // an empty statement (;;) is nothing to run
        this.i++;
      } else {
        if (!this.pending) {
          this.pending = true;
          this.sqlLine = this.line;
          this.copied = this.i;
        }
        if (c === "'") this.quoted("'", this.isEscapeString());
        else if (c === '"') this.quoted('"', false);
        else if (c === '$') this.dollar();
        else if (c === ':') this.colon();
        else this.i++;
      }
    }
    this.endSql(src.length); // pgbench also runs a last command that lacks its ;
    if (this.commands.length === 0) this.fail(1, 'the script has no SQL command and no meta-command');
    return this.commands;
  }

  private endSql(end: number): void {
    if (!this.pending) return;
    this.parts.push(this.src.slice(this.copied, end));
    this.commands.push({ kind: 'sql', line: this.sqlLine, text: this.parts.join('').trim(), vars: this.vars });
    this.pending = false;
    this.parts = [];
    this.vars = [];
  }

  /** /* … *\/, nested as in Postgres. */
  private blockComment(): void {
    const src = this.src;
    const startLine = this.line;
    let depth = 0;
    let j = this.i;
    while (j < src.length) {
      if (src[j] === '/' && src[j + 1] === '*') {
        depth++;
        j += 2;
      } else if (src[j] === '*' && src[j + 1] === '/') {
        j += 2;
        if (--depth === 0) {
          this.i = j;
          return;
        }
      } else {
        if (src[j] === '\n') this.line++;
        j++;
      }
    }
    this.fail(startLine, 'unterminated /* comment');
  }

  /** E'…' (an escape string: backslash escapes a quote), not part of a longer identifier. */
  private isEscapeString(): boolean {
    const p = this.src[this.i - 1];
    return (p === 'E' || p === 'e') && !(this.i >= 2 && isIdentChar(this.src.charCodeAt(this.i - 2)));
  }

  /** '…' or "…": a doubled quote stands for itself; no :variable inside. */
  private quoted(q: string, backslash: boolean): void {
    const src = this.src;
    const startLine = this.line;
    let j = this.i + 1;
    for (;;) {
      if (j >= src.length) this.fail(startLine, q === "'" ? 'unterminated quoted string' : 'unterminated quoted identifier');
      const ch = src[j];
      if (ch === '\n') {
        this.line++;
      } else if (backslash && ch === '\\') {
        j++;
        if (src[j] === '\n') this.line++;
      } else if (ch === q) {
        if (src[j + 1] !== q) break;
        j++;
      }
      j++;
    }
    this.i = j + 1;
  }

  /** $tag$…$tag$ dollar quotes; $1 would clash with the parameters pgscale numbers. */
  private dollar(): void {
    const src = this.src;
    const i = this.i;
    if (i > 0 && isIdentChar(src.charCodeAt(i - 1))) {
      this.i++; // part of an identifier such as a$b
      return;
    }
    const param = /^\$\d+/.exec(src.slice(i, i + 12));
    if (param) this.fail(this.line, `positional parameter ${param[0]} is not supported in scripts: use a :variable (set by \\set or -D)`);
    let j = i + 1;
    if (j < src.length && isNameStart(src.charCodeAt(j))) {
      while (j < src.length && isNameChar(src.charCodeAt(j))) j++;
    }
    if (src[j] !== '$') {
      this.i++;
      return;
    }
    const tag = src.slice(i, j + 1);
    const end = src.indexOf(tag, j + 1);
    if (end < 0) this.fail(this.line, `unterminated dollar-quoted string ${tag}`);
    for (let k = j + 1; k < end; k++) if (src[k] === '\n') this.line++;
    this.i = end + tag.length;
  }

  /** :name is a variable (→ $n); a run of colons (::int) is left alone, as in pgbench. */
  private colon(): void {
    const src = this.src;
    const j = this.i + 1;
    if (j < src.length && isNameStart(src.charCodeAt(j))) {
      let k = j + 1;
      while (k < src.length && isNameChar(src.charCodeAt(k))) k++;
      this.parts.push(src.slice(this.copied, this.i), `$${this.vars.length + 1}`);
      this.vars.push(src.slice(j, k));
      this.i = k;
      this.copied = k;
    } else {
      while (src[this.i] === ':') this.i++;
    }
  }

  /** A backslash command: to the end of the line, continued by a backslash at the end of a line. */
  private metaCommand(): void {
    const src = this.src;
    const line = this.line;
    if (src[this.i + 1] === ';') {
      this.fail(line, `\\; (a compound statement) is not supported by pgscale ${SUPPORTED}: end each SQL statement with ;`);
    }
    let body = '';
    let j = this.i + 1;
    for (;;) {
      const nl = src.indexOf('\n', j);
      const eol = nl < 0 ? src.length : nl;
      const segment = src.slice(j, eol);
      if (segment.endsWith('\\') && nl >= 0) {
        body += `${segment.slice(0, -1)} `;
        j = eol + 1;
        this.line++;
        continue;
      }
      body += segment;
      this.i = eol;
      break;
    }
    const [, name, rest] = /^(\S*)\s*([\s\S]*)$/.exec(body) as RegExpExecArray;
    switch (name.toLowerCase()) {
      case 'set':
        return this.set(line, rest.trim());
      case 'sleep':
        return this.sleep(line, rest.trim());
      case '':
        return this.fail(line, `a backslash must start a meta-command ${SUPPORTED}`);
      default:
        return this.fail(line, `\\${name} is not supported by pgscale ${SUPPORTED}`);
    }
  }

  private set(line: number, rest: string): void {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(rest);
    if (!m) this.fail(line, '\\set needs a variable name and an expression: \\set NAME EXPRESSION');
    const [, name, text] = m;
    if (!VARIABLE_NAME.test(name)) this.fail(line, `\\set: invalid variable name "${name}" (letters, digits and _, not starting with a digit)`);
    let expr: Expr;
    try {
      expr = parseExpr(text);
    } catch (err) {
      if (err instanceof ExprError) this.fail(line, `\\set ${name}: ${err.message}`);
      throw err;
    }
    this.commands.push({ kind: 'set', line, name, expr });
  }

  /** \sleep N [us|ms|s] or \sleep :var [unit]; N an integer, possibly glued to its unit (10ms). */
  private sleep(line: number, rest: string): void {
    const usage = '\\sleep N [us|ms|s], N an integer or a :variable';
    const args = rest === '' ? [] : rest.split(/\s+/);
    if (args.length === 0) this.fail(line, `\\sleep needs a duration: ${usage}`);
    if (args.length > 2) this.fail(line, `\\sleep has too many arguments: ${usage}`);
    let amount: number | string;
    let unit: string | undefined = args[1];
    if (args[0].startsWith(':')) {
      amount = args[0].slice(1);
      if (!VARIABLE_NAME.test(amount)) this.fail(line, `\\sleep: invalid variable name "${args[0]}"`);
    } else {
      const m = /^([+-]?\d+)([A-Za-z]*)$/.exec(args[0]);
      if (!m || !Number.isSafeInteger(Number(m[1]))) this.fail(line, `\\sleep: invalid duration "${args[0]}": ${usage}`);
      amount = Number(m[1]) + 0;
      if (m[2]) {
        if (unit !== undefined) this.fail(line, `\\sleep has too many arguments: ${usage}`);
        unit = m[2];
      }
    }
    const u = (unit ?? 's').toLowerCase();
    if (u !== 'us' && u !== 'ms' && u !== 's') this.fail(line, `\\sleep: unknown time unit "${unit}" (supported: us, ms, s)`);
    this.commands.push({ kind: 'sleep', line, amount, unit: u });
  }
}

/** Check every :variable used (in SQL and in \set / \sleep) is defined before use: by an earlier \set or by `predefined` (e.g. scale, client_id, random_seed, -D names). Throws USAGE naming file:line and the variable. */
export function checkVariables(script: PgbenchScript, predefined: Iterable<string>): void {
  const defined = new Set(predefined);
  const need = (name: string, line: number) => {
    if (defined.has(name)) return;
    throw new PgscaleError('USAGE', `${script.file}:${line}: variable :${name} is used before it is defined`, {
      hint: `Set it with \\set earlier in the script, or pass it with -D ${name}=VALUE.`,
    });
  };
  for (const cmd of script.commands) {
    if (cmd.kind === 'sql') {
      for (const v of cmd.vars) need(v, cmd.line);
    } else if (cmd.kind === 'set') {
      for (const v of exprVariables(cmd.expr)) need(v, cmd.line);
      defined.add(cmd.name);
    } else if (typeof cmd.amount === 'string') {
      need(cmd.amount, cmd.line);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Running

type Step =
  | { kind: 'sql'; line: number; text: string; vars: string[]; slots: Int32Array }
  | { kind: 'set'; line: number; name: string; slot: number; node: Node }
  /** slot -1: a literal duration, already in ms. */
  | { kind: 'sleep'; line: number; name: string; slot: number; ms: number; unit: SleepUnit };

interface Program {
  names: string[];
  index: Map<string, number>;
  steps: Step[];
}

function toMs(n: number, unit: SleepUnit): number {
  // A negative duration sleeps for no time, as in pgbench (its wake-up time is already past).
  const ms = unit === 'us' ? n / 1000 : unit === 'ms' ? n : n * 1000;
  return ms > 0 ? ms : 0;
}

/** Compiled once per script, shared by all its sessions. */
const programs = new WeakMap<PgbenchScript, Program>();

function programFor(script: PgbenchScript): Program {
  const cached = programs.get(script);
  if (cached) return cached;
  const index = new Map<string, number>();
  const names: string[] = [];
  const slot = (name: string): number => {
    let i = index.get(name);
    if (i === undefined) {
      i = names.length;
      index.set(name, i);
      names.push(name);
    }
    return i;
  };
  const steps = script.commands.map((cmd): Step => {
    switch (cmd.kind) {
      case 'sql':
        return { kind: 'sql', line: cmd.line, text: cmd.text, vars: cmd.vars, slots: Int32Array.from(cmd.vars, slot) };
      case 'set':
        return { kind: 'set', line: cmd.line, name: cmd.name, node: compileExpr(cmd.expr, slot), slot: slot(cmd.name) };
      default:
        return typeof cmd.amount === 'string'
          ? { kind: 'sleep', line: cmd.line, name: cmd.amount, slot: slot(cmd.amount), ms: 0, unit: cmd.unit }
          : { kind: 'sleep', line: cmd.line, name: '', slot: -1, ms: toMs(cmd.amount, cmd.unit), unit: cmd.unit };
    }
  });
  const program = { names, index, steps };
  programs.set(script, program);
  return program;
}

/** One client's state: its variables and random source. */
export class ScriptSession {
  readonly script: PgbenchScript;
  private readonly program: Program;
  private readonly state: EvalState;

  /**
   * `vars` gives the predefined variables (scale, client_id, random_seed, -D names): a
   * number is an int or a double; a string is sent to SQL as is and read in expressions as
   * pgbench reads it (int, double or boolean). Integers beyond 2^53 can be sent to SQL but
   * not computed with.
   */
  constructor(script: PgbenchScript, vars: Record<string, number | string>, random: () => number /* uniform in [0,1) */) {
    this.script = script;
    this.program = programFor(script);
    this.state = new EvalState(this.program.names, random);
    this.program.names.forEach((name, i) => {
      if (Object.hasOwn(vars, name)) this.state.define(i, vars[name]);
    });
  }

  /** A variable's current value as SQL would get it, or undefined if it is not set (or not in the script). */
  get(name: string): unknown {
    const slot = this.program.index.get(name);
    return slot === undefined ? undefined : this.value(slot);
  }

  /** Run the script once, in order: exec(sql, values) for each SQL command, sleep(ms) for \sleep. Runtime errors (division by zero, bad random() bounds…) throw a PgscaleError naming file:line. */
  async run(exec: (sql: string, values: unknown[]) => Promise<unknown>, sleep: (ms: number) => Promise<void>): Promise<void> {
    const steps = this.program.steps;
    const st = this.state;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (step.kind === 'sql') {
        const slots = step.slots;
        const values: unknown[] = new Array(slots.length);
        for (let j = 0; j < slots.length; j++) {
          const v = this.value(slots[j]);
          if (v === undefined) throw this.error(step.line, `variable :${step.vars[j]} is not defined`);
          values[j] = v;
        }
        await exec(step.text, values);
      } else if (step.kind === 'set') {
        let v: number;
        try {
          v = step.node(st);
        } catch (err) {
          if (err instanceof ExprError) throw this.error(step.line, `\\set ${step.name}: ${err.message}`, err);
          throw err;
        }
        st.assign(step.slot, v);
      } else {
        await sleep(step.slot < 0 ? step.ms : this.sleepMs(step));
      }
    }
  }

  private value(slot: number): unknown {
    const st = this.state;
    const raw = st.raw[slot];
    if (raw !== undefined) return raw;
    const k = st.kind[slot];
    if (k === INT || k === DOUBLE) return st.num[slot];
    if (k === BOOL) return st.num[slot] !== 0;
    return undefined;
  }

  /** \sleep :var reads the variable as pgbench does (atoi: a double is truncated). */
  private sleepMs(step: Extract<Step, { kind: 'sleep' }>): number {
    const st = this.state;
    const k = st.kind[step.slot];
    if (k === INT || k === DOUBLE) return toMs(Math.trunc(st.num[step.slot]), step.unit);
    if (k === UNSET) throw this.error(step.line, `\\sleep: variable :${step.name} is not defined`);
    throw this.error(step.line, `\\sleep: invalid sleep time ${JSON.stringify(this.value(step.slot))} in variable :${step.name}`);
  }

  private error(line: number, message: string, cause?: unknown): PgscaleError {
    return new PgscaleError('USAGE', `${this.script.file}:${line}: ${message}`, {
      hint: 'The script failed while running (pgbench would abort the client too): fix the expression or the variables it reads.',
      cause,
    });
  }
}
