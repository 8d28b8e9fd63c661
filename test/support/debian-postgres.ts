/**
 * A throwaway Debian PostgreSQL server for tests that need what the embedded one lacks
 * (it is built without lz4; Debian's packages are built with it). initdb into a fresh
 * temporary folder, started on a free port on 127.0.0.1 as the `postgres` user (servers
 * refuse root), password authentication, stopped and removed by `stop()`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresIds } from '../../db/embedded.ts';

const DEBIAN_ROOT = '/usr/lib/postgresql';

/** The newest Debian server's bin folder (one with initdb), or undefined when none is installed. */
export function debianPostgresBin(): string | undefined {
  if (!existsSync(DEBIAN_ROOT)) return undefined;
  const versions = readdirSync(DEBIAN_ROOT)
    .filter((v) => existsSync(join(DEBIAN_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(DEBIAN_ROOT, versions[0], 'bin') : undefined;
}

export interface DebianServer {
  /** postgres://pgscale:PASSWORD@127.0.0.1:PORT/postgres */
  url: string;
  version: string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** initdb and start a server from `bin`; the caller must stop() it. */
export async function startDebianPostgres(bin: string): Promise<DebianServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pgscale-debian-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  const ids = process.getuid?.() === 0 ? postgresIds() : undefined;
  if (process.getuid?.() === 0 && !ids) throw new Error('running as root needs a postgres user to start a Debian server as');
  // mkdtemp makes the folder 0700: the postgres user must own it (and tmpdir is traversable).
  if (ids) {
    chmodSync(dir, 0o755);
    chownSync(dir, ids.uid, ids.gid);
    chownSync(pwfile, ids.uid, ids.gid);
  }
  const as = ids ? { uid: ids.uid, gid: ids.gid } : {};
  const run = (cmd: string, args: string[]) => execFileSync(join(bin, cmd), args, { ...as, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'pgscale', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8']);
  rmSync(pwfile);
  run('pg_ctl', ['-D', data, '-l', join(dir, 'postgres.log'), '-w', '-t', '60', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir}`, 'start']);
  const version = run('postgres', ['--version']).trim();
  return {
    url: `postgres://pgscale:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    version,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
