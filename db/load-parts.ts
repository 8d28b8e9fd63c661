/**
 * A load split over several processes or machines (`pgscale load --part I/N`): which
 * chunks are part I's, and what is still missing once a part has committed its own.
 *
 * Chunks are dealt round-robin in plan order (chunk j of the plan goes to part j mod N),
 * so every part gets a share of every table group and of every month, and the parts take
 * about as long as each other. The load log stays the one truth: a part skips any chunk
 * already logged, whoever loaded it, so parts of different N, a part run twice and a whole
 * load all combine safely.
 */
import { PgscaleError } from '../core/errors.ts';
import type { Chunk } from '../generators/index.ts';

/** Part `index` (1-based) of `count`. */
export interface LoadPart {
  index: number;
  count: number;
}

/** The part (1-based) that plan position `j` belongs to. */
export function partOfPosition(j: number, count: number): number {
  return (j % count) + 1;
}

/** The chunks of the plan that are this part's, in plan order. */
export function partChunks(plan: readonly Chunk[], part: LoadPart): Chunk[] {
  return plan.filter((_, j) => partOfPosition(j, part.count) === part.index);
}

/** What a data set still lacks: chunks and rows not in the load log, and the parts (of `count`) they belong to. */
export interface Remaining {
  chunks: number;
  of: number;
  rows: number;
  parts: number[];
}

/** The plan's chunks not yet in the load log (`done` holds `group:k`), by the parts they belong to. */
export function remainingChunks(plan: readonly Chunk[], done: ReadonlySet<string>, count: number): Remaining {
  const parts = new Set<number>();
  let chunks = 0;
  let rows = 0;
  plan.forEach((c, j) => {
    if (done.has(`${c.group}:${c.k}`)) return;
    chunks++;
    rows += c.rows;
    parts.add(partOfPosition(j, count));
  });
  return { chunks, of: plan.length, rows, parts: [...parts].sort((a, b) => a - b) };
}

/** `--fresh` with `--part`: refused, since one part would drop what the others loaded. */
export function freshPartRefusal(schema: string): PgscaleError {
  return new PgscaleError('USAGE', '--fresh cannot be given with --part: one part would drop what the others loaded', {
    hint: `Drop the schema once (pgscale drop ${schema}) before starting the parts.`,
  });
}
