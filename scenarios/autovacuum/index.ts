/**
 * Scenario `autovacuum`: the design guide's aggressive per-table autovacuum settings
 * against the server's defaults, under the same update-heavy churn on user_sessions and
 * auto_tasks (README.md beside this file). Every run of the churn gets its own scratch copy
 * of those two tables, taken from the data set as generated: a short closed-loop probe
 * sets the rate (half of what it did); then each arm gets a fresh copy, its tables'
 * settings, and the churn from the traffic engine at that rate for a fixed time, while a
 * sampler records dead and live rows, autovacuum runs and bloat. After the churn, the
 * sidebar and task-queue queries are timed on what it left behind, with their plans.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { contribExtension } from '../../bench/extensions.ts';
import { tableSizes } from '../../bench/sizes.ts';
import { defaultPoolSize } from '../../bench/traffic/capacity.ts';
import { datasetParams, trafficConnection } from '../../bench/traffic/dataset-run.ts';
import { type TrafficRun, runTraffic } from '../../bench/traffic/engine.ts';
import type { WorkloadParams } from '../../bench/traffic/workload.ts';
import { moduleUrl } from '../../core/module-url.ts';
import { PgscaleError } from '../../core/errors.ts';
import { qualified, quoteIdent } from '../../db/quote.ts';
import { indexStatements } from '../../db/schema.ts';
import { code } from '../../generators/enums.ts';
import type { Dataset, MetricDeclarations, NamedMetrics, Scenario, ScenarioContext, ScenarioOutcome, ScenarioVariant } from '../index.ts';
import { inVariant, measureQuery } from '../measure.ts';
import { fill, namedStatements, readSql, statement } from '../sql.ts';
import { type ArmFacts, armSeries, autovacuumFinding, tableFacts } from './findings.ts';
import { type Naptime, scenarioNaptime } from './naptime.ts';
import { startSampler } from './sampler.ts';

const NAME = 'autovacuum';
const VARIANTS = ['default', 'aggressive'] as const;
type Arm = (typeof VARIANTS)[number];
const WORKLOAD = fileURLToPath(moduleUrl('./workload.ts', import.meta.url));

/** The churned tables and the index whose bloat is followed on each. */
export const TABLES = { user_sessions: 'idx_sessions_covering', auto_tasks: 'idx_tasks_status' } as const;

/**
 * The design guide's settings for its high-churn tables: user_sessions vacuumed at 2 % of
 * its rows changed and analysed at 1 %. It names none for auto_tasks; under this churn it
 * changes as fast as user_sessions, so the aggressive arm gives it the same. (The guide's
 * cost delay of 2 ms, for message_history, is PostgreSQL's default since 12.)
 */
export const AGGRESSIVE: Readonly<Record<keyof typeof TABLES, Readonly<Record<string, string>>>> = {
  user_sessions: { autovacuum_vacuum_scale_factor: '0.02', autovacuum_analyze_scale_factor: '0.01' },
  auto_tasks: { autovacuum_vacuum_scale_factor: '0.02', autovacuum_analyze_scale_factor: '0.01' },
};

/** Each arm runs this many load-test steps (run --step): 50 s by default, 10 s in the test suite. */
export const ARM_STEPS = 10;
/** The launcher should visit the database about this many times per arm: a shorter naptime where pgscale may set it. */
export const VISITS_PER_ARM = 25;

/**
 * What each arm's named metrics are. None is gated: how many autovacuums land in a
 * minute, and so the dead rows and growth between them, depend on where the launcher's
 * visits fall in the arm; they are the evidence for the finding, not a regression signal.
 */
export const METRICS = {
  rate: { kind: 'throughput', unit: 'ops/s', gated: false },
  p99Ms: { kind: 'latency', unit: 'ms', gated: false },
  sessionsAutovacuums: { kind: 'count', direction: 'none', gated: false },
  tasksAutovacuums: { kind: 'count', direction: 'none', gated: false },
  sessionsDeadMean: { kind: 'count', gated: false },
  tasksDeadMean: { kind: 'count', gated: false },
  sessionsDeadMax: { kind: 'count', gated: false },
  tasksDeadMax: { kind: 'count', gated: false },
  sessionsHeapGrowthBytes: { kind: 'size', unit: 'B', gated: false },
  tasksHeapGrowthBytes: { kind: 'size', unit: 'B', gated: false },
  sessionsIndexGrowthBytes: { kind: 'size', unit: 'B', gated: false },
  tasksIndexGrowthBytes: { kind: 'size', unit: 'B', gated: false },
  samples: { kind: 'info', gated: false },
  armSeconds: { kind: 'info', unit: 's', gated: false },
  naptimeSeconds: { kind: 'info', unit: 's', gated: false },
} satisfies MetricDeclarations;
type AutovacuumMetric = keyof typeof METRICS;

const sql = namedStatements(readSql(import.meta.url, 'stats.sql'));
const copySql = namedStatements(readSql(import.meta.url, 'copy.sql'));

/** What the arms share. */
interface Setup {
  ctx: ScenarioContext;
  admin: pg.Client;
  source: Dataset;
  rate: number;
  armSeconds: number;
  naptime: Naptime;
}

interface ArmOutcome {
  variant: ScenarioVariant<AutovacuumMetric>;
  facts: ArmFacts;
  bloatTool?: string;
}

/** The churn's parameters on a copy: its clock starts where the data set's span ends. */
async function paramsOf(ctx: ScenarioContext, admin: pg.Client, schema: string): Promise<WorkloadParams> {
  return datasetParams(admin, schema, { scale: ctx.data.scale, seed: ctx.data.seed, months: ctx.data.months, enums: 'smallint', vars: {} });
}

/**
 * A scratch schema holding user_sessions and auto_tasks as the data set has them, with
 * their keys and the design's indexes built after the rows, vacuumed, analysed and read
 * into shared_buffers: the state a load leaves them in.
 */
async function scratchCopy(ctx: ScenarioContext, admin: pg.Client, source: Dataset, suffix: string): Promise<string> {
  const schema = await ctx.scratchSchema(suffix);
  const frag = { src: quoteIdent(source.schema), dest: quoteIdent(schema) };
  await admin.query(fill(statement(copySql, 'copy-sessions'), frag));
  await admin.query(fill(statement(copySql, 'copy-tasks'), frag));
  const own = indexStatements(source.style, schema).filter((ix) => /\b(ON|TABLE) (user_sessions|auto_tasks)\b/.test(ix.sql));
  await admin.query(`SET search_path = ${quoteIdent(schema)}`);
  try {
    for (const ix of own) await admin.query(ix.sql);
  } finally {
    await admin.query('RESET search_path');
  }
  await ctx.warm(admin, schema, Object.keys(TABLES));
  return schema;
}

/** Drop a copy, saying so when it cannot (the runner drops it at the end of the run then). */
async function dropCopy(ctx: ScenarioContext, schema: string): Promise<void> {
  await ctx.dropScratch(schema).catch((err: unknown) => ctx.log(`${NAME}: could not drop scratch schema ${schema}: ${(err as Error).message}`));
}

function churn(ctx: ScenarioContext, schema: string, params: WorkloadParams, opts: { rate?: number; seconds: number; onProgress?: (elapsed: number) => void }) {
  const clients = defaultPoolSize();
  return runTraffic({
    connection: trafficConnection(ctx.target, schema),
    workload: { kind: 'module', name: `${NAME} churn`, path: WORKLOAD },
    params,
    clients,
    threads: Math.min(availableParallelism(), 4),
    ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
    durationSeconds: opts.seconds,
    warmupSeconds: ctx.traffic.warmupSeconds,
    seed: ctx.data.seed,
    drainSeconds: 3,
    progressSeconds: 1,
    onProgress: (p) => opts.onProgress?.(p.elapsedSeconds),
  });
}

function checked(run: TrafficRun, what: string): TrafficRun {
  if (run.fatal) throw new PgscaleError('SERVER', `${NAME}/${what}: ${run.fatal.message}`);
  if (run.traffic.errors > 0) throw new PgscaleError('SERVER', `${NAME}/${what}: ${run.traffic.errors} transactions failed (${Object.entries(run.traffic.errorsBySqlstate).map(([c, n]) => `${c} × ${n}`).join(', ')})`);
  return run;
}

/** Set (or with `values` undefined, reset) the autovacuum storage parameters of the churned tables. */
async function tableSettings(client: pg.Client, schema: string, values: typeof AGGRESSIVE | undefined): Promise<void> {
  for (const table of Object.keys(TABLES) as Array<keyof typeof TABLES>) {
    const names = Object.keys(AGGRESSIVE[table]);
    // Storage parameters take literals only: the values are the constants above, the names fixed.
    const clause = values ? `SET (${names.map((n) => `${n} = ${Number(values[table][n])}`).join(', ')})` : `RESET (${names.join(', ')})`;
    await client.query(`ALTER TABLE ${qualified(schema, table)} ${clause}`);
  }
}

async function runArm(s: Setup, arm: Arm): Promise<ArmOutcome> {
  const { ctx, admin } = s;
  const where = { scenario: NAME, variant: arm };
  const schema = await inVariant(where, 'scratch copy', () => scratchCopy(ctx, admin, s.source, `av_${arm}`));
  try {
    return await measureArm(s, arm, schema);
  } finally {
    await dropCopy(ctx, schema);
  }
}

async function measureArm(s: Setup, arm: Arm, schema: string): Promise<ArmOutcome> {
  const { ctx, admin } = s;
  const where = { scenario: NAME, variant: arm, schema };
  const params = await paramsOf(ctx, admin, schema);
  const stattuple = await inVariant(where, 'pgstattuple', () => contribExtension(admin, 'pgstattuple', schema));
  const pgstattuple = 'schema' in stattuple ? stattuple.schema : undefined;
  if (arm === 'aggressive') await inVariant(where, 'per-table settings', () => tableSettings(admin, schema, AGGRESSIVE));
  try {
    const options = (await admin.query<{ table: string; options: string }>(statement(sql, 'reloptions'), [schema, Object.keys(TABLES)])).rows;
    const description = options.map((o) => `${o.table}: ${o.options || 'the server\'s autovacuum settings'}`).join('; ');
    const sampler = await ctx.target.connect();
    let run: TrafficRun;
    let samples;
    let offset = ctx.traffic.warmupSeconds;
    const startEpochMs = Date.now();
    const t0 = performance.now();
    try {
      const sampling = startSampler(sampler, { schema, tables: TABLES, pgstattuple, everySeconds: Math.max(1, s.armSeconds / VISITS_PER_ARM) });
      let placed = false;
      try {
        run = await inVariant(where, 'churn', async () =>
          checked(
            await churn(ctx, schema, params, {
              rate: s.rate,
              seconds: s.armSeconds,
              // The engine's clock starts when its threads do: place its seconds on the sampler's.
              onProgress: (elapsed) => {
                if (placed) return;
                placed = true;
                offset = (performance.now() - t0) / 1000 - elapsed + ctx.traffic.warmupSeconds;
              },
            }),
            arm,
          ),
        );
      } finally {
        samples = await sampling.stop();
      }
    } finally {
      await sampler.end().catch(() => undefined);
    }
    ctx.log(`${NAME}: ${arm} arm: ${run.traffic.achievedRate.toFixed(0)} tx/s, p99 ${run.traffic.latencyMs.p99.toFixed(1)} ms`);

    return await inVariant(where, 'after the churn', async () => {
      const window = { from: offset - ctx.traffic.warmupSeconds, to: offset + s.armSeconds };
      const tables = Object.entries(TABLES).map(([table, index]) => tableFacts(samples, table, index, startEpochMs, window));
      const t = run.traffic;
      const facts: ArmFacts = { name: arm, tables, rate: t.achievedRate, p99Ms: t.latencyMs.p99, p99PerSecond: t.series.flatMap((x) => (x.p99Ms !== undefined ? [x.p99Ms] : [])) };
      const sizes = [...(await tableSizes(admin, schema, 'user_sessions')), ...(await tableSizes(admin, schema, 'auto_tasks'))];
      // The queries run on what the churn left: no VACUUM first, that is the point.
      await admin.query(`SET search_path = ${quoteIdent(schema)}, public`);
      let queries;
      try {
        const user = (await admin.query<{ user_id: string }>(statement(sql, 'recent-user'))).rows[0].user_id;
        queries = [
          await measureQuery(admin, { name: 'list-sessions', sql: statement(sql, 'list-sessions'), params: [user] }, ctx.latency, where),
          await measureQuery(admin, { name: 'next-task', sql: statement(sql, 'next-task'), params: [code('task_status', 'ready')] }, ctx.latency, where),
        ];
      } finally {
        await admin.query('RESET search_path');
      }
      const [us, at] = tables;
      const growth = (x?: { first: number; last: number }) => (x ? x.last - x.first : undefined);
      const metrics: NamedMetrics<AutovacuumMetric> = {
        rate: t.achievedRate,
        p99Ms: t.latencyMs.p99,
        sessionsAutovacuums: us.autovacuums,
        tasksAutovacuums: at.autovacuums,
        sessionsDeadMean: us.dead.mean,
        tasksDeadMean: at.dead.mean,
        sessionsDeadMax: us.dead.max,
        tasksDeadMax: at.dead.max,
        sessionsHeapGrowthBytes: growth(us.heapBytes),
        tasksHeapGrowthBytes: growth(at.heapBytes),
        sessionsIndexGrowthBytes: growth(us.indexBytes),
        tasksIndexGrowthBytes: growth(at.indexBytes),
        samples: samples.length,
      };
      const series = armSeries(samples, TABLES, t.series, offset);
      return { variant: { name: arm, description, sizes, queries, metrics, series }, facts, bloatTool: 'reason' in stattuple ? stattuple.reason : undefined };
    });
  } finally {
    // The copy is dropped next; reset all the same, so nothing outlives the arm if the drop fails.
    if (arm === 'aggressive') await tableSettings(admin, schema, undefined);
  }
}

export const autovacuum: Scenario<AutovacuumMetric> = {
  name: NAME,
  description: 'the design guide\'s aggressive per-table autovacuum settings against the defaults, under update-heavy churn: dead rows, autovacuum runs, bloat and p99 over time',
  hypothesis:
    'Under the same churn, user_sessions and auto_tasks vacuumed at 2 % of rows changed (instead of 20 %) are autovacuumed more often, so their dead rows stay a fraction of the defaults\' sawtooth, the heap and indexes grow less, and reads past dead entries cost less at the tail; how often the launcher looks (autovacuum_naptime) bounds both arms.',
  claim: 'Aggressive autovacuum for high-churn tables: user_sessions vacuumed at 2 % of its rows changed and analysed at 1 % (message_history at 1 % and 0.5 %, cost delay 2 ms).',
  variants: VARIANTS,
  datasets: ['smallint'],
  // A copy of user_sessions (and of the smaller auto_tasks) at a time, dropped after each arm.
  scratch: { table: 'user_sessions', copies: 1, months: 12, style: 'smallint' },
  core: false,
  metrics: METRICS,
  async run(ctx): Promise<ScenarioOutcome<AutovacuumMetric>> {
    const admin = await ctx.target.connect();
    try {
      const armSeconds = ARM_STEPS * ctx.traffic.stepSeconds;
      const naptime = await scenarioNaptime(admin, ctx.target, Math.max(1, Math.round(armSeconds / VISITS_PER_ARM)));
      if (!naptime.autovacuumRuns) {
        await naptime.restore();
        return { finding: 'skipped: autovacuum (or track_counts) is off on this server, so neither arm could be autovacuumed; turn it on to compare the settings.', variants: [], skipped: true };
      }
      try {
        if (naptime.changed) ctx.log(`${NAME}: autovacuum_naptime ${naptime.seconds} s for this scenario (the server's ${naptime.serverSeconds} s is put back afterwards)`);
        else if (naptime.seconds >= armSeconds) ctx.log(`${NAME}: warning: the server's autovacuum_naptime (${naptime.seconds} s) is not shorter than an arm (${armSeconds} s)${naptime.kept ? ` and ${naptime.kept}` : ''}: the arms may see no autovacuum; lengthen them with --step`);

        const source = await inVariant({ scenario: NAME, variant: 'setup' }, 'load', () => ctx.dataset('smallint'));
        // The rate: half of what a closed loop does on a copy as generated.
        const probeSchema = await inVariant({ scenario: NAME, variant: 'probe' }, 'scratch copy', () => scratchCopy(ctx, admin, source, 'av_probe'));
        let probe: TrafficRun;
        try {
          probe = checked(await churn(ctx, probeSchema, await paramsOf(ctx, admin, probeSchema), { seconds: Math.max(1, ctx.traffic.stepSeconds) }), 'probe');
        } finally {
          await dropCopy(ctx, probeSchema);
        }
        const rate = Math.max(1, Number((probe.traffic.achievedRate / 2).toPrecision(2)));
        ctx.log(`${NAME}: a closed loop did ${probe.traffic.achievedRate.toFixed(0)} tx/s; both arms run at ${rate} tx/s`);

        const s: Setup = { ctx, admin, source, rate, armSeconds, naptime };
        const arms: ArmOutcome[] = [];
        for (const arm of VARIANTS) {
          ctx.log(`${NAME}: ${arm} arm: ${rate} tx/s of churn for ${armSeconds} s`);
          arms.push(await runArm(s, arm));
        }
        const [base, tuned] = arms;
        for (const a of arms) a.variant.metrics = { ...a.variant.metrics, armSeconds, naptimeSeconds: naptime.seconds };
        const server = (await admin.query<{ threshold: string; factor: string }>("SELECT current_setting('autovacuum_vacuum_threshold') AS threshold, current_setting('autovacuum_vacuum_scale_factor') AS factor")).rows[0];
        const trigger = (rows: number, factor: number) => Math.round(Number(server.threshold) + factor * rows).toLocaleString('en-US');
        const thresholds = base.facts.tables
          .map((t) => `${t.table} (${t.live.toLocaleString('en-US')} rows) at about ${trigger(t.live, Number(server.factor))} dead rows with the server's settings and ${trigger(t.live, Number(AGGRESSIVE[t.table as keyof typeof TABLES].autovacuum_vacuum_scale_factor))} with the guide's`)
          .join(', ');
        const at = (a: ArmOutcome) => a.facts.tables.map((t) => `${t.table} ${t.autovacuumAt.length ? `at ${t.autovacuumAt.map((x) => `${x.toFixed(0)} s`).join(', ')}` : 'never'}`).join('; ');
        const notes = [
          `Each arm ran on its own scratch copy of user_sessions and auto_tasks from ${source.schema} (rows in load order, keys and the design's indexes built after them, vacuumed and analysed: the state a load leaves), dropped afterwards; a ${Math.max(1, ctx.traffic.stepSeconds)} s closed loop of ${defaultPoolSize()} connections did ${probe.traffic.achievedRate.toFixed(0)} tx/s first, and both arms were offered half of it (${rate} tx/s, open loop) for ${armSeconds} s (${ARM_STEPS} × --step) after ${ctx.traffic.warmupSeconds} s of warm-up.`,
          `The churn (scenarios/autovacuum/workload.ts): per 12 transactions, 6 bump a random session's message_count and last_activity_at, 2 claim the top ready task, 2 finish a running one and 2 create a ready one. No update can be HOT: those columns are in idx_sessions_covering's INCLUDE and in idx_tasks_status's key.`,
          naptime.changed
            ? `autovacuum_naptime was ${naptime.seconds} s for the scenario, set by pgscale (ALTER SYSTEM, pg_reload_conf()) on the server it manages, so the launcher looked about ${VISITS_PER_ARM} times per arm as the default 60 s would in ${VISITS_PER_ARM} minutes; the server's ${naptime.serverSeconds} s was put back afterwards. Other databases on this server were autovacuumed as often meanwhile.`
            : `autovacuum_naptime stayed at the server's ${naptime.seconds} s${naptime.kept ? ` (${naptime.kept})` : ''}: the launcher looked at most ${Math.floor(armSeconds / naptime.seconds)} time(s) per arm.${naptime.seconds >= armSeconds ? ' That is no shorter than an arm: lengthen the arms with --step (each arm is 10 steps).' : ''}`,
          `Autovacuum starts on a table when its dead rows pass autovacuum_vacuum_threshold (${server.threshold}) + the scale factor × its rows: ${thresholds}. The arms ran one after the other, default first.`,
          `Per-table settings — ${arms.map((a) => `${a.variant.name}: ${a.variant.description}`).join(' | ')}.`,
          `Autovacuums ended — default arm: ${at(base)}; aggressive arm: ${at(tuned)} (seconds from the arm's start, by pg_stat_user_tables.last_autovacuum; two within one sample show as one time).`,
          base.bloatTool
            ? `Without pgstattuple (${base.bloatTool}) only pg_stat_user_tables was sampled: no heap or index bloat.`
            : `Bloat from pgstattuple and pgstatindex, read every ${Math.max(1, armSeconds / VISITS_PER_ARM).toFixed(1)} s on a connection of its own (each reads the whole table and index, equally in both arms). Heap at the end, dead + free space: ${arms.map((a) => `${a.variant.name} ${a.facts.tables.map((t) => `${t.table} ${((t.deadPercent ?? 0) + (t.freePercent ?? 0)).toFixed(0)} %`).join(', ')}`).join('; ')}.`,
          'The queries after the churn (a user\'s recent sessions, the next ready task) ran on what each arm left behind, without a VACUUM first.',
        ];
        return {
          finding: autovacuumFinding(base.facts, tuned.facts, { armSeconds, naptime: naptime.seconds, naptimeChanged: naptime.changed, serverNaptime: naptime.serverSeconds }),
          notes,
          variants: arms.map((a) => a.variant),
        };
      } finally {
        await naptime.restore();
      }
    } finally {
      await admin.end().catch(() => undefined);
    }
  },
};
