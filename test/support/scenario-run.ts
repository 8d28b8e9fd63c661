/**
 * One run of some scenarios on the test server at a small scale, shared by the tests of a
 * file that checks their physics: started by the first test that asks, its data set
 * dropped by the file's last test.
 */
import * as assert from 'uvu/assert';
import type { DataParams } from '../../generators/index.ts';
import type { Results, ScenarioResult, VariantResult } from '../../reports/schema.ts';
import type { Scenario } from '../../scenarios/index.ts';
import { datasetSchema, runScenarios } from '../../scenarios/runner.ts';
import { dropSchema, testTarget, uniqueSchema } from './db.ts';

/** The small data set the physics tests run on. */
export const SMALL_DATA: DataParams = { scale: 20_000, seed: 7, months: 12 };
/** Tiny query budgets: the tests check directions, not speed. */
export const SMALL_LATENCY = { timeMs: 25, warmupMs: 5, minSamples: 3 };
/** Short load-test steps. */
export const SMALL_TRAFFIC = { stepSeconds: 1, warmupSeconds: 0.5 };

export interface ScenarioRun {
  /** The schema prefix of this run's data sets, unique to the test process. */
  prefix: string;
  data: DataParams;
  results(): Promise<Results>;
  /** The named scenario's result (the first one's when unnamed), which must have succeeded. */
  scenario(name?: string): Promise<ScenarioResult>;
  /** Drop the data set the run loaded (after the run, even a failed one). */
  cleanUp(): Promise<void>;
}

/** A lazily started run of `scenarios`, its schemas prefixed by `name`. */
export function scenarioRun(name: string, scenarios: readonly Scenario[], opts: { data?: DataParams } = {}): ScenarioRun {
  const prefix = uniqueSchema(name);
  const data = opts.data ?? SMALL_DATA;
  let results: Promise<Results> | undefined;
  const run = () => {
    results ??= testTarget().then((target) => runScenarios(target, { data, scenarios, jobs: 2, schemaPrefix: prefix, latency: SMALL_LATENCY, traffic: SMALL_TRAFFIC }));
    return results;
  };
  return {
    prefix,
    data,
    results: run,
    async scenario(wanted) {
      const r = await run();
      const s = wanted === undefined ? r.scenarios[0] : r.scenarios.find((x) => x.name === wanted);
      assert.ok(s, `${wanted ?? 'the scenario'} in the results`);
      assert.is(s!.status, 'ok', s!.error?.message);
      return s!;
    },
    async cleanUp() {
      await run().catch(() => undefined);
      await dropSchema(datasetSchema(prefix, data, 'smallint'));
    },
  };
}

/** The named variant of a scenario's result, which must be there. */
export function variant(s: ScenarioResult, name: string): VariantResult {
  const v = s.variants.find((x) => x.name === name);
  assert.ok(v, `${s.name} has variant ${name}`);
  return v!;
}
