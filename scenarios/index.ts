/**
 * The scenario registry and the contract every scenario keeps. A scenario is a folder
 * (`index.ts`, its `.sql` files, a README with the hypothesis); adding one touches that
 * folder and one line of SCENARIOS below.
 */
import type pg from 'pg';
import type { CacheReport } from '../bench/cache.ts';
import type { ResolvedLatencyOptions } from '../bench/latency.ts';
import { PgscaleError } from '../core/errors.ts';
import type { LoadSummary } from '../db/load.ts';
import type { Target } from '../db/target.ts';
import type { EnumStyle } from '../generators/enums.ts';
import type { DataParams } from '../generators/index.ts';
import type { CapacityResult, MetricDecl, VariantResult } from '../reports/schema.ts';
import { capacity } from './capacity/index.ts';
import { enumStorage } from './enum-storage/index.ts';
import { nPlusOne } from './n-plus-one/index.ts';
import { pooling } from './pooling/index.ts';
import { timeIndex } from './time-index/index.ts';

/** A loaded data set a scenario measures: its schema and how the load went. */
export interface Dataset {
  schema: string;
  style: EnumStyle;
  summary: LoadSummary;
}

/** What the runner hands a scenario: the target, the data parameters, and shared services. */
export interface ScenarioContext {
  target: Target;
  data: Readonly<DataParams>;
  /** Parallel connections for loads. */
  jobs: number;
  /** The latency budget every measured query gets. */
  latency: ResolvedLatencyOptions;
  /** The data set stored with this enum style: loaded when missing, reused when its parameters match. */
  dataset(style: EnumStyle): Promise<Dataset>;
  /**
   * The data set load tests write to (`<prefix>_traffic_<scale>_<seed>_<style>`): the same
   * data, kept apart so the scenarios measuring sizes and plans see it as generated, and
   * reloaded when an earlier load test wrote to it, so every run's load test starts from
   * the data as generated (a search on a data set the last one bloated would measure a
   * different database).
   */
  trafficDataset(style: EnumStyle): Promise<Dataset>;
  /** Load tests: one step's measurement window and warm-up (seconds), and a PgBouncer the user runs. */
  traffic: { stepSeconds: number; warmupSeconds: number; poolerUrl?: string };
  /**
   * A new, empty pgscale-owned schema holding the platform's (empty) tables, named for
   * the data parameters and `suffix`; a previous one of the same name is dropped first.
   */
  scratchSchema(suffix: string): Promise<string>;
  /** Drop a scratch schema made by scratchSchema. */
  dropScratch(schema: string): Promise<void>;
  /** VACUUM ANALYZE `tables` and prewarm `prewarm` (default: all of them); the method is recorded. */
  warm(client: pg.Client, schema: string, tables: string[], prewarm?: string[]): Promise<CacheReport>;
  /** A progress line for the user (stderr via the CLI; silent in tests). */
  log(line: string): void;
}

/** What a scenario measured. */
export interface ScenarioOutcome {
  /** One computed sentence: the answer to the scenario's question. */
  finding: string;
  notes?: string[];
  variants: VariantResult[];
  metrics?: Record<string, number>;
  /**
   * What each named metric (variants' and scenario-wide, by name) is: its kind, unit,
   * better direction, and whether the regression gate judges it. Undeclared names are
   * classified by reports/metrics.ts's name rules.
   */
  metricKinds?: Record<string, MetricDecl>;
  /** A capacity search's steps and result. */
  capacity?: CapacityResult;
  /** Nothing was measured, for a reason the finding gives (a missing tool): not an error. */
  skipped?: boolean;
}

/** The uniform contract. */
export interface Scenario {
  name: string;
  /** One line for `pgscale list`. */
  description: string;
  hypothesis: string;
  /** The design document's claim this scenario tests. */
  claim: string;
  /** Variant names, in result order. */
  variants: readonly string[];
  /** The data sets it measures, by enum style (a paired run loads them before its first round). */
  datasets?: readonly EnumStyle[];
  run(ctx: ScenarioContext): Promise<ScenarioOutcome>;
}

/** Every registered scenario, in run order: one line each. */
export const SCENARIOS: readonly Scenario[] = [
  enumStorage,
  timeIndex,
  nPlusOne,
  // Last: they load a data set of their own and spend their time on load steps.
  capacity,
  pooling,
];

/** The scenarios named (all when none), in registry order; an unknown name is a usage error listing the known ones. */
export function selectScenarios(names: readonly string[]): Scenario[] {
  const known = SCENARIOS.map((s) => s.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new PgscaleError('USAGE', `unknown scenario${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      hint: `Known scenarios: ${known.join(', ')} (see pgscale list).`,
    });
  }
  return names.length === 0 ? [...SCENARIOS] : SCENARIOS.filter((s) => names.includes(s.name));
}
