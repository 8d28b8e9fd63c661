/**
 * `--part I/N`: this process's share of a load or a load test split over several
 * machines (docs/several-machines.md). Parts are numbered from 1, as people count them;
 * a Kubernetes Indexed Job numbers its pods from 0, so its manifest writes
 * `--part "$((JOB_COMPLETION_INDEX + 1))/N"` (deploy/k8s/).
 */
import { Option } from 'commander';
import { PgscaleError } from '../core/errors.ts';

/** Part `index` of `count`, both from 1. */
export interface Part {
  index: number;
  count: number;
}

/** The most parts pgscale splits into: more would leave parts without a chunk at small scales, and nobody runs 1,000 load generators. */
export const MAX_PARTS = 1000;

/** Parse `I/N` (1 ≤ I ≤ N ≤ MAX_PARTS), or throw a USAGE error saying what to type. */
export function parsePart(value: string): Part {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > MAX_PARTS || index < 1 || index > count) {
    const why = !m
      ? 'expected I/N, e.g. 1/4'
      : count < 1 || count > MAX_PARTS
        ? `N must be from 1 to ${MAX_PARTS}`
        : index === 0
          ? 'parts are numbered from 1 (a 0-based index such as $JOB_COMPLETION_INDEX needs + 1)'
          : `I must be from 1 to N (${count})`;
    throw new PgscaleError('USAGE', `invalid --part '${value}': ${why}`, {
      hint: 'Give every process its own part of the same N: --part 1/4, --part 2/4, --part 3/4 and --part 4/4.',
    });
  }
  return { index, count };
}

/** The `--part` option of `load` and `traffic`. */
export function partOption(what: string): Option {
  return new Option('--part <i/n>', `${what} (1-based: 1/4 … 4/4)`).argParser(parsePart);
}
