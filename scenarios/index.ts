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
import type { DataParams, TableName } from '../generators/index.ts';
import { undeclaredMetrics } from '../reports/metrics.ts';
import type { CapacityResult, MetricDecl, ScenarioResult, VariantResult } from '../reports/schema.ts';
import { autovacuum } from './autovacuum/index.ts';
import { capacity } from './capacity/index.ts';
import { coveringIndex } from './covering-index/index.ts';
import { crossShard } from './cross-shard/index.ts';
import { enumStorage } from './enum-storage/index.ts';
import { maintenance } from './maintenance/index.ts';
import { nPlusOne } from './n-plus-one/index.ts';
import { partialIndex } from './partial-index/index.ts';
import { partitioning } from './partitioning/index.ts';
import { pooling } from './pooling/index.ts';
import { timeIndex } from './time-index/index.ts';
import { toast } from './toast/index.ts';
import { uuidKeys } from './uuid-keys/index.ts';

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
  /**
   * The production size, in messages, that per-row figures are projected to
   * (`run --project`; the design guide's billion rows unless given).
   */
  projectRows: number;
  /** The arms to measure (`run --variants`), for a scenario with `variantsSelectable`; all of them when absent. */
  variants?: readonly string[];
  /**
   * The run's --scale when `data` is a sample of it (`run --sample`, a `perRow` scenario
   * only): what was measured at `data.scale` stands for this many messages.
   */
  sampledFrom?: number;
}

/**
 * What each named metric a scenario emits is (variants' and scenario-wide, by name): its
 * kind, unit, better direction, and whether the regression gate judges it. The gate reads
 * a metric only by its declaration, never by its name.
 */
export type MetricDeclarations<M extends string = string> = Readonly<Record<M, MetricDecl>>;

/** Named metrics as a scenario emits them: declared names only (absent where not measured). */
export type NamedMetrics<M extends string = string> = Partial<Record<M, number>>;

/** A variant's result with its named metrics limited to the scenario's declared names. */
export type ScenarioVariant<M extends string = string> = Omit<VariantResult, 'metrics'> & { metrics: NamedMetrics<M> };

/** What a scenario measured; `M`: the names its `metrics` declares. */
export interface ScenarioOutcome<M extends string = string> {
  /** One computed sentence: the answer to the scenario's question. */
  finding: string;
  notes?: string[];
  variants: Array<ScenarioVariant<M>>;
  metrics?: NamedMetrics<M>;
  /** A capacity search's steps and result. */
  capacity?: CapacityResult;
  /** Nothing was measured, for a reason the finding gives (a missing tool): not an error. */
  skipped?: boolean;
}

/** The uniform contract; `M`: the names of the named metrics it emits. */
export interface Scenario<M extends string = string> {
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
  /** The load-test data sets it asks for with ctx.trafficDataset, by enum style (for the run's plan). */
  trafficDatasets?: readonly EnumStyle[];
  /**
   * The scratch copies it makes (for the run's plan of disk): `copies` copies of `months`
   * calendar months of `table` from the middle of the data's span, taken from the data
   * set of `style`; each may hold one index at a time.
   */
  scratch?: { table: TableName; copies: number; months: number; style: EnumStyle };
  /** It measures only the arms named in ctx.variants (`run --variants`); others measure all theirs. */
  variantsSelectable?: boolean;
  /**
   * Its answer is a per-row quantity (bytes per row, index bytes per row) that holds on a
   * smaller data set: `run --sample N` measures it at N messages and projects it to the
   * run's scale. Latency and capacity scenarios are not: they always get the full data set.
   */
  perRow?: boolean;
  /**
   * In the default run (`pgscale run` with no scenario named, so `npm start` and the
   * nightly job). A scenario that is not runs only when named. @default true
   */
  core?: boolean;
  /**
   * Every named metric it emits, declared in one place: the runner records this as the
   * results' `metricKinds` and refuses an outcome with a metric missing from it.
   */
  metrics: MetricDeclarations<M>;
  run(ctx: ScenarioContext): Promise<ScenarioOutcome<M>>;
}

/**
 * An outcome's named metrics as the results record them, with the scenario's declarations
 * as `metricKinds`. A metric it does not declare is refused, naming the scenario and the
 * metric: the gate would have nothing to judge it by, and a renamed metric would slip
 * past it unnoticed.
 */
export function recordedMetrics(s: Pick<Scenario, 'name' | 'metrics'>, out: Pick<ScenarioOutcome, 'variants' | 'metrics'>): Pick<ScenarioResult, 'variants' | 'metrics' | 'metricKinds'> {
  const measured = (m: NamedMetrics): Record<string, number> => Object.fromEntries(Object.entries(m).filter((e): e is [string, number] => e[1] !== undefined));
  const recorded = {
    variants: out.variants.map((v) => ({ ...v, metrics: measured(v.metrics) })),
    ...(out.metrics ? { metrics: measured(out.metrics) } : {}),
    metricKinds: { ...s.metrics },
  };
  const missing = undeclaredMetrics(recorded);
  if (missing.length > 0) {
    throw new PgscaleError(
      'INTERNAL',
      `scenario ${s.name} emits ${missing.length === 1 ? 'a metric' : 'metrics'} it does not declare: ${missing.join(', ')}; declare ${missing.length === 1 ? 'it' : 'each'} in the scenario's \`metrics\` (kind, unit, direction, gated) so the regression gate knows how to judge ${missing.length === 1 ? 'it' : 'them'}`,
    );
  }
  return recorded;
}

/** Every registered scenario, in run order: one line each. */
export const SCENARIOS: readonly Scenario[] = [
  enumStorage,
  timeIndex,
  nPlusOne,
  partialIndex,
  coveringIndex,
  partitioning,
  maintenance,
  toast,
  // Last: they load a data set of their own and spend their time on load steps.
  capacity,
  pooling,
  autovacuum,
  uuidKeys,
  crossShard,
];

/** The scenarios named (the core ones when none), in registry order; an unknown name is a usage error listing the known ones. */
export function selectScenarios(names: readonly string[]): Scenario[] {
  const known = SCENARIOS.map((s) => s.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new PgscaleError('USAGE', `unknown scenario${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      hint: `Known scenarios: ${known.join(', ')} (see pgscale list).`,
    });
  }
  return names.length === 0 ? SCENARIOS.filter((s) => s.core !== false) : SCENARIOS.filter((s) => names.includes(s.name));
}
