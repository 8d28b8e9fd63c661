/**
 * A paired run (`pgscale run --baseline-ref REF`): the baseline build and the current
 * build measured in alternation on one runner, one server and one data set, round after
 * round. What drifts on the machine (CPU frequency, a noisy neighbour, the cache) moves
 * both arms of a round alike, so the gate judges the per-round differences instead of
 * two runs made hours apart.
 *
 * The document: every round's two results documents, as `pgscale run` writes them.
 */
import { z } from 'zod';
import { PgscaleError } from '../core/errors.ts';
import { parseJsonFile } from './load.ts';
import { parseResults, type Results } from './schema.ts';

export const PAIRED_KIND = 'pgscale-paired';
export const PAIRED_VERSION = 1;

export type Arm = 'baseline' | 'current';

const Round = z.object({
  round: z.number().int().positive(),
  /** Which arm ran first, scenario by scenario (the order alternates to cancel order effects). */
  order: z.record(z.string(), z.tuple([z.enum(['baseline', 'current']), z.enum(['baseline', 'current'])])),
  baseline: z.unknown(),
  current: z.unknown(),
});

const PairedDoc = z.object({
  kind: z.literal(PAIRED_KIND),
  version: z.literal(PAIRED_VERSION),
  baseline: z.object({ ref: z.string(), gitSha: z.string() }),
  current: z.object({ ref: z.string(), gitSha: z.string() }),
  /** Both arms read the same data sets (false: the generators differ, each arm loaded its own). */
  sharedData: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string(),
  rounds: z.array(Round).min(1),
});

export interface PairedRound {
  round: number;
  order: Record<string, [Arm, Arm]>;
  baseline: Results;
  current: Results;
}

export interface PairedRun extends Omit<z.infer<typeof PairedDoc>, 'rounds'> {
  rounds: PairedRound[];
}

/** True when a parsed JSON document claims to be a paired run. */
export function isPairedDocument(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && (doc as { kind?: unknown }).kind === PAIRED_KIND;
}

/** Validate a paired document, each round's two results documents included. */
export function parsePaired(doc: unknown): PairedRun {
  const d = PairedDoc.parse(doc);
  return {
    ...d,
    rounds: d.rounds.map((r, i) => {
      const arm = (which: Arm) => {
        try {
          return parseResults(r[which]);
        } catch (err) {
          throw new Error(`round ${i + 1}, ${which}: ${(err as Error).message}`);
        }
      };
      return { round: r.round, order: r.order, baseline: arm('baseline'), current: arm('current') };
    }),
  };
}

/** Read and validate a paired.json. */
export function loadPaired(path: string): PairedRun {
  const doc = parseJsonFile(path, 'paired results file');
  try {
    return parsePaired(doc);
  } catch (err) {
    throw new PgscaleError('UNUSABLE_INPUT', `paired results file ${path} is not usable: ${(err as Error).message}`, {
      hint: 'Pass the paired.json written by `pgscale run --baseline-ref REF --out DIR` (DIR/paired.json).',
      cause: err,
    });
  }
}

/**
 * One arm's round as one results document: the per-scenario runs merged in scenario
 * order. The environment, tool and client floor are the first run's; the load
 * generator's figures are the worst (CPU summed).
 */
export function mergeResults(parts: readonly Results[]): Results {
  if (parts.length === 0) throw new Error('mergeResults: nothing to merge');
  const [first] = parts;
  const last = parts[parts.length - 1];
  const lg = parts.flatMap((p) => (p.loadGenerator ? [p.loadGenerator] : []));
  const loadGenerator: Record<string, number> = {};
  for (const key of new Set(lg.flatMap((x) => Object.keys(x)))) {
    const values = lg.flatMap((x) => (x[key] !== undefined ? [x[key]] : []));
    loadGenerator[key] = key === 'cpuSeconds' ? values.reduce((s, x) => s + x, 0) : Math.max(...values);
  }
  return {
    ...first,
    finishedAt: last.finishedAt,
    scenarios: parts.flatMap((p) => p.scenarios),
    ...(lg.length > 0 ? { loadGenerator } : {}),
  };
}
