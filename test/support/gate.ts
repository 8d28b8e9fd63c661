/** Helpers the gate's tests share: which metrics regressed, and the refusal a comparison threw. */
import { PgscaleError } from '../../core/errors.ts';
import type { Comparison } from '../../reports/compare.ts';

/** Ids of the regressed metrics, sorted. */
export function regressedIds(c: Comparison): string[] {
  return c.metrics.filter((m) => m.verdict === 'regressed').map((m) => m.id).sort();
}

/** The PgscaleError `fn` throws (anything else is rethrown; no throw fails the test). */
export function refusal(fn: () => unknown): PgscaleError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PgscaleError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}
