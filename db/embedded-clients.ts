/**
 * Who uses an embedded server: several pgscale processes may share one data folder (a
 * run in one terminal, a load in another). Each registers by pid; the last to leave stops
 * the server. A lock folder serialises start, join and leave, so nobody joins a server
 * that is being stopped.
 *
 * `pgscale server start` adds a holder that outlives its process: a hold file naming the
 * postmaster it keeps up. While it names the running postmaster, the last process to
 * leave leaves the server running; `pgscale server stop` removes it. A hold naming
 * another postmaster (the server stopped or crashed since) is stale and ignored.
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

/** One postmaster: its pid and start time (postmaster.pid lines 1 and 3); a recycled pid has another start. */
export interface PostmasterId {
  pid: number;
  start: string;
}

interface HoldFile extends PostmasterId {
  /** The `pgscale server start` process that placed the hold. */
  by: number;
  at: string;
}

const holdFile = (home: string) => join(home, 'held.json');

/** Keep this postmaster up after the last pgscale process leaves it (call with the home lock held). */
export function placeHold(home: string, postmaster: PostmasterId): void {
  const hold: HoldFile = { ...postmaster, by: process.pid, at: new Date().toISOString() };
  writeFileSync(holdFile(home), JSON.stringify(hold));
}

/** Does a hold keep the running postmaster up? A hold on any other postmaster is stale: removed, false. */
export function isHeld(home: string, running: PostmasterId | undefined): boolean {
  let hold: HoldFile;
  try {
    hold = JSON.parse(readFileSync(holdFile(home), 'utf8')) as HoldFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    // A hold cut short (disk full, killed mid-write) says nothing: treat it as stale.
    if (!(err instanceof SyntaxError)) throw err;
    hold = { pid: 0, start: '', by: 0, at: '' };
  }
  if (running && hold.pid === running.pid && hold.start === running.start) return true;
  releaseHold(home);
  return false;
}

/** Let the last pgscale process stop the server again. */
export function releaseHold(home: string): void {
  rmSync(holdFile(home), { force: true });
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
