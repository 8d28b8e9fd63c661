/**
 * Who uses an embedded server: several pgscale processes may share one data folder (a
 * run in one terminal, a load in another). Each registers by pid; the last to leave stops
 * the server. A lock folder serialises start, join and leave, so nobody joins a server
 * that is being stopped.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PgscaleError } from '../core/errors.ts';

/** Is a process alive (EPERM: alive, owned by another user)? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is pid a postgres postmaster on this data folder? A recycled pid must never get our SIGINT. */
export function isPostmaster(pid: number, dataDir: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => a.endsWith('postgres')) && argv.includes(dataDir);
  } catch {
    return true; // no /proc (macOS): the pid file and liveness are all there is
  }
}

/** Run fn holding the lock of an embedded home (a folder created atomically with mkdir). */
export async function withHomeLock<T>(home: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(home, 'lock');
  const until = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = 0;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // Just created by its holder, pid not written yet: wait.
      }
      if (holder && !isAlive(holder)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > until) {
        throw new PgscaleError('EMBEDDED', `the embedded server in ${home} stayed locked by pgscale process ${holder || '?'} for 3 minutes`, {
          hint: `If no pgscale process is running, remove ${lock}.`,
        });
      } else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The pgscale processes using one server: a file per pid; dead pids do not count. */
export class ClientRegistry {
  private released = false;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  register(): void {
    writeFileSync(join(this.dir, String(process.pid)), '');
  }

  /** Live pgscale processes other than this one (stale entries are removed). */
  others(): number[] {
    const out: number[] = [];
    for (const name of readdirSync(this.dir)) {
      const pid = Number(name);
      if (pid === process.pid) continue;
      if (pid > 0 && isAlive(pid)) out.push(pid);
      else rmSync(join(this.dir, name), { force: true });
    }
    return out;
  }

  /** Leave; true when no other live process uses the server (so this one stops it). */
  release(): boolean {
    if (this.released) return false;
    this.released = true;
    rmSync(join(this.dir, String(process.pid)), { force: true });
    return this.others().length === 0;
  }
}
