/**
 * Parsers of flag values that the CLI and the bench scripts share: each turns the text a
 * user typed into a number, or throws a USAGE error that says what to type instead.
 */
import { PgscaleError } from './errors.ts';

/** Parse a scale: `10k`, `1m`, `300m`, `1.5m`, `2b` or a plain integer ≥ 1. */
export function parseScale(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmb]?)\s*$/i.exec(value);
  const mult = m ? { '': 1, k: 1e3, m: 1e6, b: 1e9 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'b'] : 0;
  const n = m ? Math.round(Number(m[1]) * mult) : NaN;
  if (!Number.isFinite(n) || n < 1 || n > 1e11) {
    throw new PgscaleError('USAGE', `invalid --scale '${value}': expected a positive number of messages such as 200k, 1m or 300m`, {
      hint: 'The scale is the number of message_history rows; k, m and b multiply by a thousand, a million and a billion.',
    });
  }
  return n;
}

/**
 * A parser of a number of messages (`10k`, `1m`, `1b`) for a flag other than --scale
 * (e.g. --project), whose errors name that flag.
 */
export function parseMessages(flag: string) {
  return (value: string): number => {
    try {
      return parseScale(value);
    } catch {
      throw new PgscaleError('USAGE', `invalid ${flag} '${value}': expected a positive number of messages such as 200k, 1m or 1b`, {
        hint: `${flag} is a number of message_history rows; k, m and b multiply by a thousand, a million and a billion.`,
      });
    }
  };
}

/** Parse a non-negative integer flag (seed, jobs, months, rows). */
export function parseInteger(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\s*\d+\s*$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new PgscaleError('USAGE', `invalid ${flag} '${value}': expected a whole number from ${min} to ${max}`);
    }
    return Number(value);
  };
}

/** Parse --rows: a plain count, or a scale with a k, m or b suffix. */
export function parseRowCount(value: string): number {
  return value.match(/[kmb]$/i) ? parseScale(value) : parseInteger('--rows', 1)(value);
}
