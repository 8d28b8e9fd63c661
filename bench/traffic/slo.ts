/**
 * Service-level objectives for a load test: `p99<50ms,errors<0.1%`. Parsed once at the
 * edge (a bad spec is a usage error before anything connects), judged on the measured
 * figures after the run.
 */
import { PgscaleError } from '../../core/errors.ts';

export type SloTerm =
  | { kind: 'latency'; text: string; percentile: number; limitMs: number }
  | { kind: 'errors'; text: string; limitPercent: number }
  | { kind: 'throughput'; text: string; minTps: number };

export interface Slo {
  spec: string;
  terms: SloTerm[];
}

/** The default objective of `--find-capacity` and of `--slo` given without terms. */
export const DEFAULT_SLO = 'p99<50ms,errors<0.1%';

const UNIT_MS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000 };

/** Parse `p99<50ms,p50<5ms,errors<0.1%,tps>1000`. */
export function parseSlo(spec: string): Slo {
  const terms = spec.split(',').map((raw): SloTerm => {
    const text = raw.trim();
    let m = /^p(\d+(?:\.\d+)?)\s*<\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s)$/i.exec(text);
    if (m && Number(m[1]) > 0 && Number(m[1]) < 100) {
      return { kind: 'latency', text, percentile: Number(m[1]), limitMs: Number(m[2]) * UNIT_MS[m[3].toLowerCase()] };
    }
    m = /^errors\s*<\s*(\d+(?:\.\d+)?)\s*%$/i.exec(text);
    if (m) return { kind: 'errors', text, limitPercent: Number(m[1]) };
    m = /^tps\s*>\s*(\d+(?:\.\d+)?)$/i.exec(text);
    if (m) return { kind: 'throughput', text, minTps: Number(m[1]) };
    throw new PgscaleError('USAGE', `invalid --slo '${spec}': cannot read '${text}'`, {
      hint: "Write terms separated by commas: a latency percentile (p99<50ms, p99.9<200ms, p50<5ms), an error rate (errors<0.1%) or a throughput (tps>1000), e.g. --slo 'p99<50ms,errors<0.1%'.",
    });
  });
  return { spec, terms };
}

/** What the verdict needs from a run. */
export interface SloInput {
  /** Latency at percentile p (0..100), ms. */
  latencyAt(percentile: number): number;
  transactions: number;
  errors: number;
  achievedRate: number;
}

export interface SloVerdict {
  spec: string;
  met: boolean;
  checks: Array<{ term: string; actual: number; limit: number; met: boolean }>;
}

/** Judge each term; the objective is met when every term is. */
export function judgeSlo(slo: Slo, run: SloInput): SloVerdict {
  const checks = slo.terms.map((t) => {
    switch (t.kind) {
      case 'latency': {
        const actual = run.latencyAt(t.percentile);
        // No transaction completed: no latency was met.
        return { term: t.text, actual, limit: t.limitMs, met: run.transactions > 0 && actual < t.limitMs };
      }
      case 'errors': {
        const attempts = run.transactions + run.errors;
        const actual = attempts > 0 ? (100 * run.errors) / attempts : 0;
        return { term: t.text, actual, limit: t.limitPercent, met: actual < t.limitPercent };
      }
      case 'throughput':
        return { term: t.text, actual: run.achievedRate, limit: t.minTps, met: run.achievedRate > t.minTps };
    }
  });
  return { spec: slo.spec, met: checks.every((c) => c.met), checks };
}
