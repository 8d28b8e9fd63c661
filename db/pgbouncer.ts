/**
 * A real PgBouncer in front of the target, for the pooling scenario: Debian's `pgbouncer`
 * started by pgscale with a generated ini and userlist (SCRAM, the target's own
 * credentials) and stopped afterwards, or one the user runs (`--pooler-url`).
 *
 * Transaction mode, the design's pool settings scaled to the machine. PgBouncer refuses
 * to run as root, so as root it runs as the `postgres` user, like the embedded server.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type pg from 'pg';
import { postgresIds } from './embedded.ts';
import { PgscaleError } from '../core/errors.ts';

export interface Pooler {
  /** How to connect to it (database `pooled` routes to the target's database). */
  config: pg.ClientConfig;
  describe: string;
  version: string;
  settings: Record<string, string>;
  stop(): Promise<void>;
}

/** The pgbouncer binary on PATH (or Debian's /usr/sbin), if installed. */
export function findPgbouncer(): string | undefined {
  for (const candidate of ['pgbouncer', '/usr/sbin/pgbouncer', '/usr/local/sbin/pgbouncer']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A userlist.txt line: PgBouncer does SCRAM with both sides from a plain-text password. */
const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

export interface PgbouncerOptions {
  /** Folder for the ini, userlist, log and pid file. */
  home: string;
  /** The target's connection (host, port, user, password, database). */
  server: { host: string; port: number; user: string; password: string; database: string };
  /** Statements each server connection runs once (search_path, TimeZone): PgBouncer does not pass `options`. */
  connectQuery?: string;
  /** Server connections per database/user pair. */
  poolSize: number;
  maxClientConn: number;
  log?: (line: string) => void;
}

/** Start PgBouncer in transaction mode in front of the server. */
export async function startPgbouncer(binary: string, o: PgbouncerOptions): Promise<Pooler> {
  mkdirSync(o.home, { recursive: true });
  const port = await freePort();
  const version = execFileSync(binary, ['--version']).toString().split('\n')[0].trim();
  const settings: Record<string, string> = {
    pool_mode: 'transaction',
    max_client_conn: String(o.maxClientConn),
    default_pool_size: String(o.poolSize),
    min_pool_size: '0',
    reserve_pool_size: String(Math.max(1, Math.round(o.poolSize / 2))),
    reserve_pool_timeout: '3',
    server_connect_timeout: '3',
    server_idle_timeout: '600',
    server_lifetime: '3600',
    client_idle_timeout: '0',
  };
  // An ini value in single quotes, with single quotes doubled.
  const connectQuery = o.connectQuery ? ` connect_query='${o.connectQuery.replace(/'/g, "''")}'` : '';
  const ini = [
    '[databases]',
    `pooled = host=${o.server.host} port=${o.server.port} dbname=${o.server.database}${connectQuery}`,
    '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = scram-sha-256',
    `auth_file = ${join(o.home, 'userlist.txt')}`,
    `logfile = ${join(o.home, 'pgbouncer.log')}`,
    `pidfile = ${join(o.home, 'pgbouncer.pid')}`,
    // node-postgres may send these; PgBouncer refuses unknown startup parameters otherwise.
    'ignore_startup_parameters = extra_float_digits,options',
    ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
    '',
  ].join('\n');
  const iniFile = join(o.home, 'pgbouncer.ini');
  const userlist = join(o.home, 'userlist.txt');
  writeFileSync(iniFile, ini);
  writeFileSync(userlist, `${quote(o.server.user)} ${quote(o.server.password)}\n`, { mode: 0o600 });
  chmodSync(userlist, 0o600);
  const ids = process.getuid?.() === 0 ? postgresIds() : undefined;
  if (process.getuid?.() === 0 && !ids) {
    throw new PgscaleError('EMBEDDED', 'PgBouncer refuses to run as root and there is no postgres user to run it as', { hint: 'Run pgscale as another user, or point --pooler-url at a PgBouncer you run.' });
  }
  if (ids) for (const f of [o.home, iniFile, userlist]) chownSync(f, ids.uid, ids.gid);
  const child: ChildProcess = spawn(binary, [iniFile], { stdio: ['ignore', 'ignore', 'pipe'], ...(ids ? { uid: ids.uid, gid: ids.gid } : {}) });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Ready when it accepts TCP connections on its port.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const log = existsSync(join(o.home, 'pgbouncer.log')) ? readFileSync(join(o.home, 'pgbouncer.log'), 'utf8').split('\n').slice(-6).join('\n') : '';
      throw new PgscaleError('EMBEDDED', `PgBouncer did not start (port ${port})`, { hint: `${(stderr + log).trim() || 'no output'}` });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  o.log?.(`pgbouncer: ${version} on 127.0.0.1:${port}, transaction mode, pool ${o.poolSize}`);
  return {
    config: { host: '127.0.0.1', port, user: o.server.user, password: o.server.password, database: 'pooled' },
    describe: `PgBouncer ${version.replace(/^PgBouncer\s*/i, '')} at 127.0.0.1:${port} (transaction mode, pool ${o.poolSize})`,
    version,
    settings,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
