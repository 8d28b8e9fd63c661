/**
 * Scenario `pooling`: what PgBouncer in transaction mode buys against direct connections,
 * with many clients, and against a connection opened per transaction (README.md beside
 * this file). The pooler is a real PgBouncer: Debian's, started by pgscale for the target,
 * or the user's (`--pooler-url`); without either the scenario says how to get one.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { defaultPoolSize } from '../../bench/traffic/capacity.ts';
import { datasetParams, finishDatasetRun, prepareWorkload, trafficConnection } from '../../bench/traffic/dataset-run.ts';
import { toolFingerprint } from '../../bench/environment.ts';
import { runTraffic } from '../../bench/traffic/engine.ts';
import { importWorkload, type WorkloadParams } from '../../bench/traffic/workload.ts';
import { PgscaleError } from '../../core/errors.ts';
import { findPgbouncer, type Pooler, startPgbouncer } from '../../db/pgbouncer.ts';
import { quoteIdent } from '../../db/quote.ts';
import type { Traffic } from '../../reports/schema.ts';
import { PLATFORM_MIX } from '../../workloads/index.ts';
import type { MetricDeclarations, NamedMetrics, Scenario, ScenarioContext, ScenarioOutcome, ScenarioVariant } from '../index.ts';
import * as hdr from 'hdr-histogram-js';

/** Client connections the application side holds: many more than a server should run backends for. */
export const POOLING_CLIENTS = 400;

const VARIANTS = ['direct', 'pgbouncer', 'direct-per-transaction', 'pgbouncer-per-transaction'] as const;
type VariantName = (typeof VARIANTS)[number];

/**
 * What each variant's named metrics are. The achieved rate, failed transactions and ones
 * that never started are judged; the rest is shown, not judged: the setup (clients, and
 * whether the client was the limit), the connect cost (a median of ten tries) and the
 * server's memory (read from /proc mid-run, absent for a server on another machine).
 */
export const METRICS = {
  achievedRate: { kind: 'throughput', unit: 'ops/s', direction: 'bigger' },
  errors: { kind: 'count', direction: 'smaller' },
  dropped: { kind: 'count', direction: 'smaller' },
  clients: { kind: 'info', gated: false },
  connectMs: { kind: 'latency', unit: 'ms', gated: false },
  clientBound: { kind: 'info', gated: false },
  backends: { kind: 'info', gated: false },
  backendPssBytes: { kind: 'size', unit: 'B', gated: false },
  serverMemoryBytes: { kind: 'size', unit: 'B', gated: false },
} satisfies MetricDeclarations;
type PoolingMetric = keyof typeof METRICS;

/** Host, port, user, password and database of the target, for PgBouncer's ini. */
function serverOf(config: pg.ClientConfig): { host: string; port: number; user: string; password: string; database: string } {
  if (config.connectionString) {
    const u = new URL(config.connectionString);
    return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1) || 'postgres' };
  }
  return { host: String(config.host ?? '127.0.0.1'), port: Number(config.port ?? 5432), user: String(config.user), password: String(config.password ?? ''), database: String(config.database ?? 'postgres') };
}

/** Proportional set size of the server's backends serving a load test (Linux /proc; undefined when the server is not local or not readable). */
async function backendMemory(admin: pg.Client): Promise<{ backends: number; pssBytes: number } | undefined> {
  const r = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name IN ('pgscale traffic', '')`);
  let total = 0;
  let read = 0;
  for (const { pid } of r.rows) {
    try {
      // A pid of a server on another machine may name some other process here.
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('postgres')) continue;
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (m) {
        total += Number(m[1]) * 1024;
        read++;
      }
    } catch {
      // not this machine's process, or not ours to read
    }
  }
  return read > 0 ? { backends: read, pssBytes: total } : undefined;
}

/** Median time to connect, run SELECT 1 and disconnect, over `n` tries. */
async function connectCost(config: pg.ClientConfig, n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const c = new pg.Client(config);
    await c.connect();
    await c.query('SELECT 1');
    await c.end();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

interface Measured {
  name: VariantName;
  rate: number;
  traffic: Traffic;
  connectMs: number;
  memory?: { backends: number; pssBytes: number };
  clients: number;
}

function variantResult(m: Measured): ScenarioVariant<PoolingMetric> {
  const t = m.traffic;
  const h = hdr.decodeFromCompressedBase64(t.histogram);
  const at = (q: number) => (h.totalCount ? Math.min(h.getValueAtPercentile(q), h.maxValue) / 1000 : 0);
  const metrics: NamedMetrics<PoolingMetric> = {
    achievedRate: t.achievedRate,
    errors: t.errors,
    dropped: t.dropped,
    clients: m.clients,
    connectMs: m.connectMs,
    clientBound: t.clientBound ? 1 : 0,
  };
  if (m.memory) {
    metrics.backends = m.memory.backends;
    metrics.backendPssBytes = Math.round(m.memory.pssBytes / m.memory.backends);
    metrics.serverMemoryBytes = m.memory.pssBytes;
  }
  return {
    name: m.name,
    sizes: [],
    queries: [
      {
        name: 'platform mix',
        params: { rate: m.rate, clients: m.clients },
        latencyMs: { p50: at(50), p75: at(75), p99: at(99), p999: at(99.9), mean: h.totalCount ? h.mean / 1000 : 0, max: h.maxValue / 1000 },
        samples: t.transactions,
        opsPerSecond: t.achievedRate,
      },
    ],
    metrics,
  };
}

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** One sentence from the four variants. */
export function poolingFinding(v: Record<VariantName, Measured>, rate: number, poolSize: number): string {
  const d = v.direct;
  const p = v.pgbouncer;
  const lat = (m: Measured) => {
    const t = m.traffic;
    const trouble = [t.errors && `${t.errors.toLocaleString('en-US')} failed`, t.dropped && `${t.dropped.toLocaleString('en-US')} never started`, t.clientBound && 'the client was the limit'].filter(Boolean).join(', ');
    const done = t.transactions === 0 ? 'no transaction completed' : `${t.achievedRate.toFixed(0)} tx/s, p99 ${ms(t.latencyMs.p99)} ms`;
    return trouble ? `${done} (${trouble})` : done;
  };
  const mem = d.memory && p.memory ? `; the server ran ${d.memory.backends} backends (${(d.memory.pssBytes / 2 ** 20).toFixed(0)} MiB) directly against ${p.memory.backends} (${(p.memory.pssBytes / 2 ** 20).toFixed(0)} MiB) behind the pooler` : '';
  return (
    `At ${rate} tx/s of the platform mix, PgBouncer (transaction mode, pool ${poolSize}) served ${p.clients} client connections with ${lat(p)}, against ${lat(d)} for ${d.clients} direct connections${d.clients < POOLING_CLIENTS ? ' (all max_connections allows)' : ''}${mem}; ` +
    `a connection per transaction cost ${ms(v['direct-per-transaction'].connectMs)} ms to set up directly and ${ms(v['pgbouncer-per-transaction'].connectMs)} ms through PgBouncer, and at ${v['direct-per-transaction'].rate} tx/s gave ${lat(v['direct-per-transaction'])} directly against ${lat(v['pgbouncer-per-transaction'])} through PgBouncer.`
  );
}

async function measure(ctx: ScenarioContext, pooler: Pooler, schema: string, params: WorkloadParams): Promise<ScenarioOutcome<PoolingMetric>> {
  const admin = await ctx.target.connect();
  try {
    const limits = await admin.query<{ max: string; reserved: string; used: string }>(
      `SELECT current_setting('max_connections') AS max, current_setting('superuser_reserved_connections') AS reserved, (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::text AS used`,
    );
    const free = Number(limits.rows[0].max) - Number(limits.rows[0].reserved) - Number(limits.rows[0].used) - 5;
    const directClients = Math.max(1, Math.min(POOLING_CLIENTS, free));
    const direct = trafficConnection(ctx.target, schema);
    const pooled = pooler.config;
    const threads = Math.min(availableParallelism(), 4);
    // The rate: half of what a closed loop of a machine-sized pool does directly.
    const probe = await runTraffic({ connection: direct, workload: mixSpec(), params, clients: defaultPoolSize(), threads, durationSeconds: Math.max(2, ctx.traffic.stepSeconds / 2), warmupSeconds: ctx.traffic.warmupSeconds, seed: ctx.data.seed, preparedStatements: false });
    const rate = Math.max(1, Number((probe.traffic.achievedRate / 2).toPrecision(2)));
    ctx.log(`pooling: a closed loop of ${defaultPoolSize()} direct connections did ${probe.traffic.achievedRate.toFixed(0)} tx/s; every variant runs at ${rate} tx/s`);

    // A connection per transaction costs a fork and a SCRAM exchange each (milliseconds of
    // CPU on both sides): that pair runs at an eighth of the rate, the same for both.
    const perTxRate = Math.max(1, Number((rate / 8).toPrecision(2)));
    const out = {} as Record<VariantName, Measured>;
    for (const name of VARIANTS) {
      const viaPooler = name.startsWith('pgbouncer');
      const perTx = name.endsWith('per-transaction');
      const variantRate = perTx ? perTxRate : rate;
      const connection = viaPooler ? pooled : direct;
      const clients = viaPooler ? POOLING_CLIENTS : directClients;
      let memory: Promise<Measured['memory']> | undefined;
      const run = await runTraffic({
        connection,
        workload: mixSpec(),
        params: { ...params, clockStartMs: params.clockStartMs + 600_000 * (VARIANTS.indexOf(name) + 1) },
        clients,
        threads,
        rate: variantRate,
        durationSeconds: 2 * ctx.traffic.stepSeconds,
        warmupSeconds: ctx.traffic.warmupSeconds,
        seed: ctx.data.seed,
        drainSeconds: 3,
        connectPerTransaction: perTx,
        // PgBouncer before 1.21 cannot keep named prepared statements in transaction mode: every variant uses unnamed ones, so only pooling differs.
        preparedStatements: false,
        progressSeconds: Math.max(1, ctx.traffic.stepSeconds),
        onProgress: (p) => {
          if (!p.warmup) memory ??= backendMemory(admin).catch(() => undefined);
        },
      });
      if (run.fatal) throw new PgscaleError('SERVER', `pooling/${name}: ${run.fatal.message}`);
      const connectMs = await connectCost(connection, 10);
      out[name] = { name, traffic: run.traffic, connectMs, memory: await memory, clients, rate: variantRate };
      ctx.log(`pooling: ${name}: ${run.traffic.achievedRate.toFixed(0)} tx/s, p99 ${ms(run.traffic.latencyMs.p99)} ms, ${run.traffic.errors} failed, connect ${ms(connectMs)} ms`);
    }
    const notes = [
      `${pooler.describe}; settings ${Object.entries(pooler.settings).map(([k, v]) => `${k}=${v}`).join(', ')}.`,
      `Direct connections: ${directClients} (max_connections ${limits.rows[0].max}, ${limits.rows[0].reserved} reserved for superusers, ${limits.rows[0].used} in use); through PgBouncer: ${POOLING_CLIENTS} client connections.`,
      'Transaction mode hands each transaction to any server connection: session state (SET, temporary tables, advisory locks, LISTEN) does not survive between transactions, and named prepared statements need PgBouncer 1.21+ (max_prepared_statements). The platform mix keeps no session state; every variant here sends unnamed statements so that only pooling differs.',
      'Server memory is the proportional set size (Pss) of the backends serving the test, read from /proc mid-run; it is absent for a server on another machine.',
    ];
    return {
      finding: poolingFinding(out, rate, Number(pooler.settings.default_pool_size)),
      notes,
      variants: VARIANTS.map((n) => variantResult(out[n])),
    };
  } finally {
    await admin.end();
  }
}

function mixSpec() {
  return { kind: 'mix' as const, name: 'platform', path: PLATFORM_MIX };
}

export const pooling: Scenario<PoolingMetric> = {
  name: 'pooling',
  description: 'PgBouncer in transaction mode against direct connections and a connection per transaction, with 400 clients',
  hypothesis: 'Behind PgBouncer, 400 clients share a machine-sized pool of backends: fewer backends and less server memory at the same latency, where direct connections run out of max_connections; a connection per transaction costs the most, and the pooler cuts most of that cost.',
  claim: 'PgBouncer in transaction mode (default_pool_size = 50, max_client_conn = 10000) in front of the shards, and an application pool of at most 100 connections.',
  variants: VARIANTS,
  trafficDatasets: ['smallint'],
  metrics: METRICS,
  async run(ctx): Promise<ScenarioOutcome<PoolingMetric>> {
    const binary = ctx.traffic.poolerUrl ? undefined : findPgbouncer();
    if (!ctx.traffic.poolerUrl && !binary) {
      return {
        finding: 'skipped: no pgbouncer. Install it (Debian: apt-get install -y pgbouncer) so pgscale can start one, or point --pooler-url at one you run (docker-compose.yml has one).',
        variants: [],
        skipped: true,
      };
    }
    const ds = await ctx.trafficDataset('smallint');
    const admin = await ctx.target.connect();
    let params: WorkloadParams;
    try {
      params = await datasetParams(admin, ds.schema, { scale: ctx.data.scale, seed: ctx.data.seed, months: ctx.data.months, enums: 'smallint', vars: {} });
    } finally {
      await admin.end();
    }
    await prepareWorkload(ctx.target, ds.schema, (await importWorkload(PLATFORM_MIX)).prepare, params);
    const connectQuery = `SET search_path = ${quoteIdent(ds.schema)}, public; SET TimeZone = 'UTC'; SET application_name = 'pgscale traffic'`;
    const home = mkdtempSync(join(tmpdir(), 'pgscale-pgbouncer-'));
    const startedAt = new Date();
    try {
      const pooler = ctx.traffic.poolerUrl ? userPooler(ctx.traffic.poolerUrl) : await startPgbouncer(binary!, { home, server: serverOf(ctx.target.config), connectQuery, poolSize: defaultPoolSize(), maxClientConn: 2 * POOLING_CLIENTS + 100, log: ctx.log });
      let outcome: ScenarioOutcome<PoolingMetric>;
      try {
        outcome = await measure(ctx, pooler, ds.schema, params);
      } finally {
        await pooler.stop();
      }
      // What it wrote, in the data set's record, like every load test.
      const written = Object.fromEntries(outcome.variants.map((v) => [v.name, Math.round(v.queries[0]?.samples ?? 0)]));
      const rec = await ctx.target.connect();
      try {
        await finishDatasetRun(rec, ds.schema, { params, startedAt, tool: `pgscale ${toolFingerprint().version} scenario pooling`, transactions: written });
      } finally {
        await rec.end();
      }
      return outcome;
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  },
};

/** A PgBouncer the user runs: connected to as given (its pool settings are its own). */
function userPooler(url: string): Pooler {
  return { config: { connectionString: url }, describe: `PgBouncer at ${new URL(url).host} (--pooler-url)`, version: 'unknown', settings: { default_pool_size: '?' }, stop: async () => {} };
}

