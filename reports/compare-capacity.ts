/**
 * The gate's rule for a capacity: one search gives one number and the bracket it lies in
 * (the highest rate that passed, the lowest that failed), not samples. A drop is a
 * regression only when the current bracket lies wholly below the baseline's AND the
 * drop exceeds the noise floor: two searches of the same build on the same machine
 * land this far apart (measured A/A, docs/performance.md).
 */
import type { Judgement } from './compare.ts';
import type { Results } from './schema.ts';

/**
 * Relative change two searches of one build may show: 8 searches here, in 4 adjacent
 * pairs of one build, found 603–1200 tx/s, the pairs' ratios 0.69, 1.19, 0.67 and 0.83
 * (docs/performance.md, "The gate's power").
 */
export const CAPACITY_NOISE_FLOOR = 0.4;

/**
 * The per-round spread (σ of the log ratio) of a capacity in a paired run, from those 4
 * pairs, and its degrees of freedom: the paired gate's prior for a capacity, which has no
 * other metrics of its kind to learn from.
 */
export const CAPACITY_PAIR_NOISE = { sigma: 0.27, df: 3 };

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
const tps = (x: number) => `${Number(x.toPrecision(3)).toLocaleString('en-US')} tx/s`;

/** Verdicts for every `capacity` metric both runs have, by metric id. */
export function capacityJudgements(baseline: Results, current: Results, floor = CAPACITY_NOISE_FLOOR): Map<string, Judgement> {
  const out = new Map<string, Judgement>();
  for (const cur of current.scenarios) {
    const base = baseline.scenarios.find((s) => s.name === cur.name);
    const a = base?.capacity;
    const b = cur.capacity;
    if (!a || !b) continue;
    const id = `${cur.name}/-/metric/maxRate`;
    const change = a.maxRate > 0 ? b.maxRate / a.maxRate - 1 : b.maxRate > 0 ? Infinity : 0;
    const brackets = `${tps(a.maxRate)} [${tps(a.low)}–${tps(a.high)}] → ${tps(b.maxRate)} [${tps(b.low)}–${tps(b.high)}]`;
    if (a.limitedBy === 'client' || b.limitedBy === 'client') {
      const where = a.limitedBy === b.limitedBy ? 'both runs' : a.limitedBy === 'client' ? 'the baseline' : 'the current run';
      out.set(id, { change, method: 'not-comparable', verdict: 'inconclusive', reason: `the client was the limit in ${where}: that capacity is the load generator's, not the database's (${brackets})` });
    } else if (b.high < a.low && change < -floor) {
      out.set(id, { change, method: 'interval', verdict: 'regressed', confidence: 1, reason: `capacity fell ${pct(-change)}: ${brackets}; the brackets do not overlap and the drop exceeds the ${pct(floor)} noise floor` });
    } else if (b.low > a.high && change > floor) {
      out.set(id, { change, method: 'interval', verdict: 'improved', confidence: 1, reason: `capacity rose ${pct(change)}: ${brackets}; the brackets do not overlap and the rise exceeds the ${pct(floor)} noise floor` });
    } else if (Math.abs(change) <= floor) {
      out.set(id, { change, method: 'interval', verdict: 'unchanged', reason: `within the ${pct(floor)} noise floor of a capacity search: ${brackets}` });
    } else {
      out.set(id, { change, method: 'interval', verdict: 'inconclusive', reason: `moved ${pct(Math.abs(change))}, beyond the noise floor, but the brackets overlap: ${brackets}` });
    }
  }
  return out;
}
