/**
 * `npm run bench:gate`: how big a regression the gate can see in this machine's noise,
 * and how often it cries wolf, for each way of using it:
 *   - one stored baseline: `compare A.json B.json`, two runs made apart;
 *   - history: the same with `--history` of five earlier runs;
 *   - paired: `compare paired.json`, three rounds of `run --baseline-ref`.
 *
 * The noise is real: the input is a paired run of one build against itself (an A/A,
 * `pgscale run --baseline-ref HEAD --rounds N`, made here unless --from names one). Its
 * 2·N runs are the "nights". A regression of a chosen size is planted into one query of
 * the judged run(s) (every sample scaled), one query at a time, and the gate's verdict on
 * that query is counted; the capacity is planted the same way. The A/A comparisons with
 * nothing planted give the false-alarm rate (any metric regressed).
 *
 * Figures are printed (and written to --out as JSON), not asserted.
 */
import { Command, Option } from 'commander';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareResults, type Comparison } from '../reports/compare.ts';
import { comparePaired } from '../reports/compare-paired.ts';
import { extractMetrics, queryKey } from '../reports/metrics.ts';
import { loadPaired, type PairedRun } from '../reports/paired.ts';
import type { Results } from '../reports/schema.ts';
import { DEFAULT_GATE_CONFIG } from '../reports/thresholds.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Options {
  from?: string;
  rounds: number;
  scale: string;
  scenarios: string;
  queryMs: number;
  effects: number[];
  queries: number;
  pairedRounds: number[];
  out?: string;
}

// The paired verdicts use no bootstrap; the one-baseline ones use it only for intervals.
const CONFIG = Object.freeze({ ...DEFAULT_GATE_CONFIG, bootstrapIterations: 50 });

/** A copy of `r` with one query (by metric id) `factor` times slower. */
function plantQuery(r: Results, id: string, factor: number): Results {
  const out = structuredClone(r);
  const [scenario, variant, , ...rest] = id.split('/');
  const key = rest.join('/');
  const q = out.scenarios.find((s) => s.name === scenario)?.variants.find((v) => v.name === variant)?.queries.find((x) => queryKey(x) === key);
  if (!q) throw new Error(`plant: no query ${id}`);
  q.samplesMs = q.samplesMs?.map((x) => x * factor);
  for (const k of Object.keys(q.latencyMs) as Array<keyof typeof q.latencyMs>) if (k !== 'sd') q.latencyMs[k] = (q.latencyMs[k] ?? 0) * factor;
  if (q.opsPerSecond !== undefined) q.opsPerSecond /= factor;
  return out;
}

/** A copy of `r` whose capacity is `factor` times what was measured. */
function plantCapacity(r: Results, factor: number): Results {
  const out = structuredClone(r);
  for (const s of out.scenarios) {
    if (!s.capacity) continue;
    s.capacity = { ...s.capacity, maxRate: s.capacity.maxRate * factor, low: s.capacity.low * factor, high: s.capacity.high * factor };
    for (const k of ['maxRate', 'maxRateLow', 'maxRateHigh']) if (s.metrics?.[k] !== undefined) s.metrics[k] *= factor;
  }
  return out;
}

const verdictOf = (c: Comparison, id: string) => c.metrics.find((m) => m.id === id)?.verdict ?? 'missing';

/** Every k-subset of 0..n-1, in order. */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k - 1).map((s) => [...s, n - 1]), ...subsets(n - 1, k)];
}

/** Up to `n` ids spread evenly over the list. */
function spread<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  return Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]);
}

interface Mode {
  name: string;
  /** The comparisons this mode makes: each returns the gate's result with `plant` applied to what it judges. */
  trials: Array<(plant: (r: Results) => Results) => Comparison>;
}

function modes(run: PairedRun, pairedRounds: readonly number[]): Mode[] {
  // The 2N runs in the order they were made: each round's two arms, first arm first.
  const runs = run.rounds.flatMap((r) => {
    const first = Object.values(r.order)[0]?.[0] ?? 'baseline';
    return first === 'baseline' ? [r.baseline, r.current] : [r.current, r.baseline];
  });
  const single: Mode = { name: 'one stored baseline', trials: [] };
  // Runs at least one round apart: the nearest thing here to two nights.
  for (let i = 0; i + 2 < runs.length; i += 2) single.trials.push((plant) => compareResults(runs[i], plant(runs[i + 2]), { config: CONFIG }));
  const history: Mode = { name: 'history of 5 runs', trials: [] };
  for (let j = 5; j < runs.length; j++) history.trials.push((plant) => compareResults(runs[j - 1], plant(runs[j]), { config: CONFIG, history: runs.slice(j - 5, j) }));
  const paired = pairedRounds.filter((k) => k <= run.rounds.length).map((k) => {
    const mode: Mode = { name: `paired, ${k} rounds`, trials: [] };
    // At most 20 of the k-subsets of rounds, spread over all of them.
    for (const pick of spread(subsets(run.rounds.length, k), 20)) {
      mode.trials.push((plant) => comparePaired({ ...run, rounds: pick.map((i) => ({ ...run.rounds[i], current: plant(run.rounds[i].current) })) }, { config: CONFIG }));
    }
    return mode;
  });
  return [single, history, ...paired].filter((m) => m.trials.length > 0);
}

interface Row {
  mode: string;
  comparisons: number;
  falseAlarms: number;
  /** Effect → share of planted queries caught as regressed. */
  latency: Record<string, { caught: number; tried: number }>;
  capacity: Record<string, { caught: number; tried: number }>;
}

export function measurePower(run: PairedRun, effects: readonly number[], queries: number, pairedRounds: readonly number[], log: (line: string) => void): Row[] {
  const ids = spread(
    extractMetrics(run.rounds[0].current)
      .filter((m) => m.kind === 'latency' && m.gated && m.id.split('/')[2] === 'latency' && !m.id.startsWith('client/'))
      .map((m) => m.id),
    queries,
  );
  const hasCapacity = run.rounds.some((r) => r.current.scenarios.some((s) => s.capacity));
  const rows: Row[] = [];
  for (const mode of modes(run, pairedRounds)) {
    const row: Row = { mode: mode.name, comparisons: mode.trials.length, falseAlarms: 0, latency: {}, capacity: {} };
    for (const trial of mode.trials) if (trial((r) => r).regressed) row.falseAlarms++;
    for (const e of effects) {
      const cell = { caught: 0, tried: 0 };
      for (const id of ids) {
        for (const trial of mode.trials) {
          cell.tried++;
          if (verdictOf(trial((r) => plantQuery(r, id, 1 + e)), id) === 'regressed') cell.caught++;
        }
      }
      row.latency[String(e)] = cell;
      if (hasCapacity) {
        const cap = { caught: 0, tried: 0 };
        const capId = [...new Set(run.rounds.flatMap((r) => r.current.scenarios.filter((s) => s.capacity).map((s) => `${s.name}/-/metric/maxRate`)))];
        for (const trial of mode.trials) {
          const c = trial((r) => plantCapacity(r, 1 - e));
          for (const id of capId) {
            // Only comparisons whose runs all measured the capacity.
            if (!c.metrics.some((m) => m.id === id && m.baseline !== undefined && m.current !== undefined)) continue;
            cap.tried++;
            if (verdictOf(c, id) === 'regressed') cap.caught++;
          }
        }
        row.capacity[String(e)] = cap;
      }
      log(`  ${mode.name}: +${(e * 100).toFixed(0)} % planted into ${ids.length} queries × ${mode.trials.length} comparisons: caught ${cell.caught}/${cell.tried}`);
    }
    rows.push(row);
  }
  return rows;
}

function table(rows: Row[], effects: readonly number[], run: PairedRun): string {
  const share = (c?: { caught: number; tried: number }) => (c && c.tried > 0 ? `${((100 * c.caught) / c.tried).toFixed(0)} %` : '–');
  const lines = [
    `| mode | A/A comparisons | false alarms | ${effects.map((e) => `query +${(e * 100).toFixed(0)} %`).join(' | ')} | ${effects.map((e) => `capacity −${(e * 100).toFixed(0)} %`).join(' | ')} |`,
    `|---|---:|---:|${effects.map(() => '---:').join('|')}|${effects.map(() => '---:').join('|')}|`,
  ];
  for (const r of rows) {
    lines.push(`| ${r.mode} | ${r.comparisons} | ${r.falseAlarms} | ${effects.map((e) => share(r.latency[String(e)])).join(' | ')} | ${effects.map((e) => share(r.capacity[String(e)])).join(' | ')} |`);
  }
  const p = comparePaired(run, { config: CONFIG }).paired;
  const noise = Object.entries(p.noise).map(([k, n]) => `${k} σ ${(n.sigma * 100).toFixed(1)} % (prior df ${Number.isFinite(n.df) ? n.df.toFixed(1) : '∞'}, ${n.metrics} metrics)`);
  return `${lines.join('\n')}\n\nPer-round paired noise over all ${run.rounds.length} rounds: ${noise.join('; ')}.`;
}

async function main(): Promise<void> {
  const program = new Command('bench:gate')
    .description("the gate's detection rate per regression size and its false-alarm rate, per mode, on this machine's real noise")
    .option('--from <paired.json,…>', 'A/A paired runs to analyse, their rounds pooled (default: make one with pgscale run --baseline-ref HEAD)')
    .addOption(new Option('--rounds <n>', 'rounds of the A/A paired run made').default(4).argParser(Number))
    .option('--scale <n>', 'scale of the A/A paired run made', '300k')
    .option('--scenarios <list>', 'scenarios of the A/A paired run made', 'enum-storage,time-index,n-plus-one,capacity')
    .addOption(new Option('--query-ms <ms>', 'time budget per query of the run made').default(1000).argParser(Number))
    .addOption(new Option('--effects <list>', 'regression sizes to plant').default([0.1, 0.2, 0.3, 0.5], '0.1,0.2,0.3,0.5').argParser((v: string) => v.split(',').map(Number)))
    .addOption(new Option('--queries <n>', 'queries to plant into (spread over all)').default(16).argParser(Number))
    .addOption(new Option('--paired-rounds <list>', 'paired modes to judge: rounds per comparison').default([3, 5], '3,5').argParser((v: string) => v.split(',').map(Number)))
    .option('--out <file>', 'also write the figures as JSON');
  program.parse();
  const o = program.opts<Options>();
  let from = o.from;
  if (!from) {
    const dir = resolve(join('out', `gate-aa-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`));
    console.log(`bench:gate: making an A/A paired run (${o.rounds} rounds of ${o.scenarios} at ${o.scale}) in ${dir}`);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'pgscale.js'), 'run', ...o.scenarios.split(','), '--scale', o.scale, '--baseline-ref', 'HEAD', '--rounds', String(o.rounds), '--query-ms', String(o.queryMs), '--out', dir], { stdio: 'inherit' });
    if (r.status !== 0 && r.status !== 1) process.exit(r.status ?? 1);
    from = join(dir, 'paired.json');
  }
  // Rounds of several A/A runs of one build on one machine are alike: pool them. Metrics
  // some rounds lack (a scenario one run left out) are judged where all chosen rounds have them.
  const runs = from.split(',').map((f) => loadPaired(f));
  let run: PairedRun = { ...runs[0], rounds: runs.flatMap((r) => r.rounds).map((r, i) => ({ ...r, round: i + 1 })) };
  // A scenario only some rounds measured would be judged from round 1 alone: leave it out.
  const everywhere = (name: string) => run.rounds.every((r) => r.baseline.scenarios.some((s) => s.name === name) && r.current.scenarios.some((s) => s.name === name));
  const partial = [...new Set(run.rounds.flatMap((r) => r.current.scenarios.map((s) => s.name)))].filter((n) => !everywhere(n));
  if (partial.length > 0) {
    console.log(`bench:gate: leaving out ${partial.join(', ')}: not measured in every round pooled`);
    const keep = (r: Results): Results => ({ ...r, scenarios: r.scenarios.filter((s) => !partial.includes(s.name)) });
    run = { ...run, rounds: run.rounds.map((r) => ({ ...r, baseline: keep(r.baseline), current: keep(r.current) })) };
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`bench:gate: ${from}: ${run.rounds.length} rounds; machine: ${cpu}, ${availableParallelism()} CPUs`);
  const rows = measurePower(run, o.effects, o.queries, o.pairedRounds, (line) => console.log(line));
  console.log(`\n${table(rows, o.effects, run)}`);
  if (o.out) writeFileSync(o.out, `${JSON.stringify({ from, machine: { cpu, cpus: availableParallelism() }, rounds: run.rounds.length, rows }, null, 2)}\n`);
}

await main();
