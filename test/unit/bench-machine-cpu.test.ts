import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpuShare, machineCpuTimes, parseProcStat } from '../../bench/machine-cpu.ts';

const STAT = (user: number, idle: number, iowait: number, steal: number) =>
  `cpu  ${user} 10 ${user / 4} ${idle} ${iowait} 5 5 ${steal} 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 123\n`;

test('parseProcStat reads the aggregate cpu line (nice, irq and softirq count as other busy time)', () => {
  assert.equal(parseProcStat(STAT(400, 1000, 30, 2)), { user: 400, system: 100, idle: 1000, iowait: 30, steal: 2, other: 20 });
});

test('parseProcStat refuses text without an aggregate cpu line', () => {
  assert.throws(() => parseProcStat('cpu0 1 2 3 4\n'), /no aggregate cpu line/);
});

test('cpuShare splits the interval between two snapshots into cores that add up to the core count', () => {
  const from = parseProcStat(STAT(400, 1000, 30, 2));
  const to = parseProcStat(STAT(1200, 1100, 50, 2));
  // deltas: user 800, system 200, idle 100, iowait 20, other 0: 1120 ticks over 2 cores
  const s = cpuShare(from, to, 2);
  assert.ok(Math.abs(s.busy + s.idle + s.iowait + s.steal - 2) < 1e-9);
  assert.ok(Math.abs(s.user - (800 / 1120) * 2) < 1e-9);
  assert.ok(Math.abs(s.busy - (1000 / 1120) * 2) < 1e-9);
  assert.ok(Math.abs(s.iowait - (20 / 1120) * 2) < 1e-9);
});

test('this machine gives a snapshot whose times only grow', () => {
  const a = machineCpuTimes();
  let x = 0;
  for (let i = 0; i < 5e6; i++) x += Math.sqrt(i);
  const b = machineCpuTimes();
  assert.ok(x > 0);
  for (const k of Object.keys(a) as Array<keyof typeof a>) assert.ok(b[k] >= a[k], k);
  assert.ok(b.user + b.system > a.user + a.system || b.idle > a.idle, 'some time passed');
});

test.run();
