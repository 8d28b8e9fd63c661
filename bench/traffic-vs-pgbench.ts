/**
 * `npm run bench:traffic`: how close is pgscale's traffic driver to pgbench itself? On one
 * server and pgbench's own select-only script (as a file), it measures
 *   (a) 8 clients, closed loop: pgbench's TPS and pgscale's, and their ratio (goal ≥ 0.75);
 *   (b) 1 client, closed loop: mean latency of each, and their ratio (goal ≤ 1.3);
 *   (c) the open loop at rising rates: offered vs achieved, schedule lag, the busiest
 *       worker thread's event-loop utilisation: how far it pushes before the client is
 *       the limit.
 * pgbench and pgscale take turns for --rounds rounds and the medians are compared; pgbench
 * runs with -M prepared, as pgscale always prepares (-M simple is printed beside it).
 * The pgbench tables live in a database of their own, `pgscale_pgbench`, made (and
 * marked) by this benchmark. Figures are printed, not asserted.
 */
import { Command } from 'commander';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { availableParallelism, cpus, totalmem } from 'node:os';
import pg from 'pg';
import { type TrafficRun, runTraffic } from './traffic/engine.ts';
import { PgscaleError } from '../core/errors.ts';
import { type Target, openTarget, resolveTargetSpec } from '../db/target.ts';

const DATABASE = 'pgscale_pgbench';
const MARK = 'pgscale:owned pgbench tables for bench:traffic';
const SCRIPT = fileURLToPath(new URL('./scripts/select-only.sql', import.meta.url));
const SELECT_ONLY = readFileSync(SCRIPT, 'utf8');

interface Options {
  seconds: number;
  rounds: number;
  scale: number;
  clients: number;
  threads: number;
  rates: number[];
  databaseUrl?: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** libpq's view of a node-postgres config, for pgbench. */
function libpqEnv(c: pg.ClientConfig, database: string): NodeJS.ProcessEnv {
  if (c.connectionString) {
    const u = new URL(c.connectionString);
    u.pathname = `/${database}`;
    return { ...process.env, PGDATABASE: u.toString() };
  }
  return { ...process.env, PGHOST: String(c.host), PGPORT: String(c.port), PGUSER: String(c.user), PGPASSWORD: String(c.password ?? ''), PGDATABASE: database };
}

function pgbenchBinary(): string {
  const found = spawnSync('pgbench', ['--version'], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new PgscaleError('USAGE', 'pgbench is not installed', { hint: "Install Debian's postgresql-client (apt-get install -y postgresql-client), which ships pgbench." });
  }
  return 'pgbench';
}

/** The pgbench database: created and initialised when missing, refused when someone else's. */
async function preparePgbench(target: Target, scale: number): Promise<pg.ClientConfig> {
  const admin = await target.connect();
  try {
    const r = await admin.query<{ comment: string | null }>(`SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`, [DATABASE]);
    if (r.rows.length === 0) {
      await admin.query(`CREATE DATABASE ${DATABASE}`);
      await admin.query(`COMMENT ON DATABASE ${DATABASE} IS '${MARK}'`);
    } else if (r.rows[0].comment !== MARK) {
      throw new PgscaleError('NOT_OWNED', `database ${DATABASE} exists and was not made by pgscale's bench:traffic`, { hint: 'Drop it yourself if it is not needed, or point --database-url at another server.' });
    }
  } finally {
    await admin.end();
  }
  const config: pg.ClientConfig = target.config.connectionString ? { ...target.config, connectionString: withDatabase(target.config.connectionString, DATABASE) } : { ...target.config, database: DATABASE };
  const c = new pg.Client(config);
  await c.connect();
  try {
    const exists = await c.query<{ ok: boolean }>(`SELECT to_regclass('pgbench_branches') IS NOT NULL AS ok`);
    const have = exists.rows[0].ok ? Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM pgbench_branches')).rows[0].n) : 0;
    if (have !== scale) {
      console.log(`initialising pgbench tables at scale ${scale} in ${DATABASE} …`);
      execFileSync(pgbenchBinary(), ['-i', '-q', '-s', String(scale)], { env: libpqEnv(target.config, DATABASE), stdio: ['ignore', 'ignore', 'inherit'] });
    }
    await c.query('VACUUM ANALYZE pgbench_accounts');
    await c.query(`SELECT count(*) FROM pgbench_accounts`);
  } finally {
    await c.end();
  }
  return config;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

interface PgbenchFigure {
  tps: number;
  latencyMs: number;
}

function runPgbench(target: Target, file: string, clients: number, threads: number, seconds: number, protocol: 'prepared' | 'simple'): PgbenchFigure {
  const out = execFileSync(pgbenchBinary(), ['-n', '-M', protocol, '-f', file, '-c', String(clients), '-j', String(Math.min(threads, clients)), '-T', String(seconds)], {
    env: libpqEnv(target.config, DATABASE),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1]);
  const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
  return { tps, latencyMs };
}

async function runPgscale(config: pg.ClientConfig, file: string, opts: { clients: number; threads: number; seconds: number; rate?: number; scale: number }): Promise<TrafficRun['traffic']> {
  const run = await runTraffic({
    connection: config,
    workload: { kind: 'script', name: 'select-only', scripts: [{ file, weight: 1, text: SELECT_ONLY }] },
    params: { scale: opts.scale, seed: 1, months: 12, enums: 'smallint', vars: {}, clockStartMs: 0 },
    scriptVars: { scale: opts.scale },
    clients: opts.clients,
    threads: opts.threads,
    rate: opts.rate,
    durationSeconds: opts.seconds,
    warmupSeconds: 2,
    seed: 1,
  });
  if (run.fatal) throw new Error(run.fatal.message);
  return run.traffic;
}

async function main(o: Options): Promise<void> {
  const spec = resolveTargetSpec({ databaseUrl: o.databaseUrl }, process.env, process.cwd());
  const target = await openTarget(spec, (line) => console.log(line));
  const file = SCRIPT;
  try {
    const config = await preparePgbench(target, o.scale);
    console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; server: ${target.describe}`);
    console.log(`script: pgbench's select-only (scale ${o.scale}); ${o.seconds} s a measurement, ${o.rounds} round(s), medians\n`);

    // (a) and (b): pgbench and pgscale take turns.
    const a = { pgbench: [] as number[], simple: [] as number[], pgscale: [] as number[] };
    const b = { pgbench: [] as number[], simple: [] as number[], pgscale: [] as number[] };
    for (let round = 1; round <= o.rounds; round++) {
      a.pgbench.push(runPgbench(target, file, o.clients, o.threads, o.seconds, 'prepared').tps);
      a.simple.push(runPgbench(target, file, o.clients, o.threads, o.seconds, 'simple').tps);
      const t8 = await runPgscale(config, file, { clients: o.clients, threads: o.threads, seconds: o.seconds, scale: o.scale });
      a.pgscale.push(t8.achievedRate);
      b.pgbench.push(runPgbench(target, file, 1, 1, o.seconds, 'prepared').latencyMs);
      b.simple.push(runPgbench(target, file, 1, 1, o.seconds, 'simple').latencyMs);
      const t1 = await runPgscale(config, file, { clients: 1, threads: 1, seconds: o.seconds, scale: o.scale });
      b.pgscale.push(t1.latencyMs.mean);
      console.log(
        `round ${round}: ${o.clients} clients: pgbench ${a.pgbench.at(-1)!.toFixed(0)} tps (simple ${a.simple.at(-1)!.toFixed(0)}), pgscale ${a.pgscale.at(-1)!.toFixed(0)} tps (busiest thread ${((t8.client.eventLoopUtilization ?? 0) * 100).toFixed(0)} %); ` +
          `1 client: pgbench ${b.pgbench.at(-1)!.toFixed(3)} ms (simple ${b.simple.at(-1)!.toFixed(3)}), pgscale ${b.pgscale.at(-1)!.toFixed(3)} ms`,
      );
    }
    const tpsRatio = median(a.pgscale) / median(a.pgbench);
    const latRatio = median(b.pgscale) / median(b.pgbench);
    console.log('');
    console.log(`(a) ${o.clients} clients, closed loop: pgbench -M prepared ${median(a.pgbench).toFixed(0)} tps (-M simple ${median(a.simple).toFixed(0)}), pgscale ${median(a.pgscale).toFixed(0)} tps → ratio ${tpsRatio.toFixed(2)} (goal ≥ 0.75)`);
    console.log(`(b) 1 client, mean latency: pgbench -M prepared ${median(b.pgbench).toFixed(3)} ms (-M simple ${median(b.simple).toFixed(3)}), pgscale ${median(b.pgscale).toFixed(3)} ms → ratio ${latRatio.toFixed(2)} (goal ≤ 1.3)`);

    // (c) the open loop at rising rates.
    console.log(`\n(c) open loop, Poisson arrivals, ${o.clients * 4} connections, ${o.threads} thread(s):`);
    console.log('   offered   achieved   p50 ms   p99 ms   lag p99 ms   busiest thread   client-bound');
    for (const rate of o.rates) {
      const t = await runPgscale(config, file, { clients: o.clients * 4, threads: o.threads, seconds: o.seconds, rate, scale: o.scale });
      console.log(
        `  ${String(rate).padStart(8)}  ${t.achievedRate.toFixed(0).padStart(9)}  ${t.latencyMs.p50.toFixed(3).padStart(7)}  ${t.latencyMs.p99.toFixed(2).padStart(7)}  ${t.scheduleLagMs.p99.toFixed(2).padStart(11)}  ${`${((t.client.eventLoopUtilization ?? 0) * 100).toFixed(0)} %`.padStart(15)}   ${t.clientBound ? `yes: ${t.clientBoundReasons?.join('; ')}` : 'no'}`,
      );
    }
  } finally {
    await target.close();
  }
}

const program = new Command('bench:traffic')
  .description("pgscale's traffic driver against pgbench on pgbench's select-only script")
  .option('--seconds <n>', 'seconds per measurement', '10')
  .option('--rounds <n>', 'rounds of pgbench and pgscale taking turns', '3')
  .option('--scale <n>', 'pgbench scale factor (100,000 accounts each)', '10')
  .option('--clients <n>', 'clients of the closed-loop comparison', '8')
  .option('--threads <n>', 'threads for both (pgbench -j, pgscale --threads)', String(availableParallelism()))
  .option('--rates <list>', 'open-loop rates to try, comma-separated', '1000,2000,4000,8000,12000,16000')
  .option('--database-url <url>', 'a server you run (default: the embedded one)')
  .action(async (f: Record<string, string>) => {
    const int = (k: string) => {
      const n = Number(f[k]);
      if (!Number.isInteger(n) || n < 1) throw new PgscaleError('USAGE', `--${k} must be a whole number ≥ 1 (got '${f[k]}')`);
      return n;
    };
    const rates = f.rates.split(',').map(Number);
    if (rates.some((r) => !(r > 0))) throw new PgscaleError('USAGE', `--rates must list rates above 0 (got '${f.rates}')`);
    await main({ seconds: int('seconds'), rounds: int('rounds'), scale: int('scale'), clients: int('clients'), threads: int('threads'), rates, databaseUrl: f.databaseUrl });
  });

program.parseAsync(process.argv).catch((err) => {
  console.error(`bench:traffic: ${err instanceof Error ? err.message : String(err)}`);
  if (err instanceof PgscaleError && err.hint) console.error(`  hint: ${err.hint}`);
  process.exit(err instanceof PgscaleError && err.exitCode === 2 ? 2 : 1);
});
