/**
 * Where the machine's CPU went over an interval: busy, idle, waiting for I/O, stolen by
 * the hypervisor. A load ceiling that leaves cores idle or in I/O wait is limited by the
 * disk, not by CPU, and then the generator's CPU costs the load nothing; one that keeps
 * every core busy pays for each generator CPU-second. Read from /proc/stat on Linux
 * (proc(5): the first line sums all CPUs, in USER_HZ ticks), else from os.cpus(),
 * which has no I/O wait or steal.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Cumulative CPU time of the whole machine, in ticks (any unit: only ratios are used). */
export interface CpuTimes {
  user: number;
  system: number;
  idle: number;
  iowait: number;
  steal: number;
  /** Everything else that is busy: nice, irq, softirq. */
  other: number;
}

/** Where each core's time went between two snapshots, in cores (they add up to the core count). */
export interface CpuShare {
  cores: number;
  busy: number;
  user: number;
  system: number;
  idle: number;
  iowait: number;
  steal: number;
}

/** Parse the aggregate `cpu` line of /proc/stat. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no aggregate cpu line in /proc/stat');
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return { user, system, idle, iowait, steal, other: nice + irq + softirq };
}

/** A snapshot of the machine's cumulative CPU times. */
export function machineCpuTimes(): CpuTimes {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const t: CpuTimes = { user: 0, system: 0, idle: 0, iowait: 0, steal: 0, other: 0 };
    for (const c of cpus()) {
      t.user += c.times.user;
      t.system += c.times.sys;
      t.idle += c.times.idle;
      t.other += c.times.nice + c.times.irq;
    }
    return t;
  }
}

/** The share of each kind of time between two snapshots, scaled to `cores`. */
export function cpuShare(from: CpuTimes, to: CpuTimes, cores: number): CpuShare {
  const d = (k: keyof CpuTimes) => to[k] - from[k];
  const total = d('user') + d('system') + d('idle') + d('iowait') + d('steal') + d('other');
  const of = (ticks: number) => (total > 0 ? (ticks / total) * cores : 0);
  return {
    cores,
    busy: of(d('user') + d('system') + d('other')),
    user: of(d('user')),
    system: of(d('system')),
    idle: of(d('idle')),
    iowait: of(d('iowait')),
    steal: of(d('steal')),
  };
}
