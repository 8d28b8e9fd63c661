/**
 * `npm run bench:load -- --scale 10m [--jobs N]`: is loading limited by Postgres or by
 * pgscale? For the same seed, scale and jobs it times
 *   (a) the generator alone, writing COPY text to /dev/null, on one core;
 *   (b) the ceiling: the same bytes pre-generated to files, replayed through the same
 *       COPY path with the same parallelism (Postgres' own speed for this data);
 *   (c) the real `pgscale load` data phase;
 *   (d) a naive baseline: one Faker call per field per row.
 * and prints rows/s, MB/s, peak RSS and the ratio (c)/(b): (b) and (c) take turns for
 * --rounds rounds (3) and the ratio is of their medians. Figures are printed, not asserted.
 */
import { faker } from '@faker-js/faker';
import { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { parseInteger, parseScale } from '../core/flags.ts';
import { loadChunk } from '../db/copy.ts';
import { runWorkers } from '../db/workers.ts';
import { load } from '../db/load.ts';
import { qualified } from '../db/quote.ts';
import { createSchema, dropOwnedSchema } from '../db/schema.ts';
import { type Target, openTarget, resolveTargetSpec } from '../db/target.ts';
import { FLUSH_BYTES, escapeCopyText, outputBuffers, releaseOutput } from '../generators/copytext.ts';
import { type CpuShare, type CpuTimes, cpuShare, machineCpuTimes } from './machine-cpu.ts';
import { type DataParams, GENERATOR_VERSION, type Piece, type RowCounts, chunkPlan, generateChunk, makeContext } from '../generators/index.ts';

interface Figure {
  what: string;
  rows: number;
  messages: number;
  bytes: number;
  seconds: number;
  /** Message rows per second of the conversation chunks alone (sessions included in their time). */
  messageRowsPerSecond?: number;
  /** Where the machine's CPU went while Postgres loaded, and this process' share of it (cores). */
  cpu?: ProcessCpu;
}

interface ProcessCpu {
  machine: CpuShare;
  /** This process' CPU in cores, and its user and system parts. */
  processCores: number;
  processUser: number;
  processSystem: number;
}

/** Start measuring CPU; the returned function ends it. */
function cpuMeter(): () => ProcessCpu {
  const m0: CpuTimes = machineCpuTimes();
  const p0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const p = process.cpuUsage(p0);
    const seconds = (performance.now() - t0) / 1000;
    const cores = (us: number) => us / 1e6 / seconds;
    return { machine: cpuShare(m0, machineCpuTimes(), availableParallelism()), processCores: cores(p.user + p.system), processUser: cores(p.user), processSystem: cores(p.system) };
  };
}

function cpuLine(f: Figure): string {
  if (!f.cpu) return '';
  const { machine: m, processCores, processUser, processSystem } = f.cpu;
  const c = (x: number) => x.toFixed(2);
  return `    CPU meanwhile: ${c(m.busy)} of ${m.cores} cores busy (user ${c(m.user)}, system ${c(m.system)}), idle ${c(m.idle)}, I/O wait ${c(m.iowait)}, steal ${c(m.steal)}; this process ${c(processCores)} of them (user ${c(processUser)}, system ${c(processSystem)})`;
}

/** The round whose time is the median (the lower middle one for an even count). */
function medianFigure<T extends Figure>(figures: T[]): T {
  return [...figures].sort((x, y) => x.seconds - y.seconds)[(figures.length - 1) >> 1];
}

/** Bytes a replayed piece holds: what the generator hands over. */
const BLOCK = FLUSH_BYTES;

function line(f: Figure): string {
  return [
    f.what.padEnd(44),
    `${(f.rows / f.seconds / 1e3).toFixed(0).padStart(7)}k rows/s`,
    `${(f.messages / f.seconds / 1e3).toFixed(0).padStart(7)}k msg/s (all tables' time)`,
    `${(f.bytes / 1e6 / f.seconds).toFixed(1).padStart(7)} MB/s`,
    `${f.seconds.toFixed(1).padStart(7)} s`,
  ].join('  ');
}

/** (a) every chunk generated and written to /dev/null, single-threaded. */
function generatorAlone(data: DataParams): Figure & { messageRowsPerSecond: number } {
  const ctx = makeContext(data, 'smallint');
  const fd = openSync('/dev/null', 'w');
  const counts: RowCounts = {};
  let bytes = 0;
  let conversationMs = 0;
  const t = performance.now();
  for (const c of chunkPlan(data)) {
    const tc = performance.now();
    for (const p of generateChunk(ctx, c, counts)) {
      writeSync(fd, p.buf);
      bytes += p.buf.length;
      releaseOutput(p.buf); // as the COPY path does once the socket has it
    }
    if (c.group === 'conversations') conversationMs += performance.now() - tc;
  }
  closeSync(fd);
  const rows = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
  const messages = counts.message_history ?? 0;
  return {
    what: '(a) generator alone → /dev/null, 1 core',
    rows,
    messages,
    bytes,
    seconds: (performance.now() - t) / 1000,
    messageRowsPerSecond: messages / (conversationMs / 1000),
  };
}

/** Pre-generate every chunk's pieces to files: chunk k of group g → dir/g-k (pieces framed by table). */
function pregenerate(data: DataParams, dir: string): Map<string, Array<{ table: Piece['table']; file: string }>> {
  const ctx = makeContext(data, 'smallint');
  const files = new Map<string, Array<{ table: Piece['table']; file: string }>>();
  for (const c of chunkPlan(data)) {
    const parts: Array<{ table: Piece['table']; file: string }> = [];
    let fd = -1;
    for (const p of generateChunk(ctx, c, {})) {
      if (!parts.length || parts[parts.length - 1].table !== p.table) {
        if (fd >= 0) closeSync(fd);
        const file = join(dir, `${c.group}-${c.k}-${p.table}`);
        parts.push({ table: p.table, file });
        fd = openSync(file, 'w');
      }
      writeSync(fd, p.buf);
      releaseOutput(p.buf);
    }
    if (fd >= 0) closeSync(fd);
    files.set(`${c.group}:${c.k}`, parts);
  }
  return files;
}

/**
 * Read a chunk's files back as pieces, 1 MB at a time (what the generator would have
 * yielded), into the writers' pooled buffers: the COPY path recycles them as it does the
 * generator's, so the ceiling pays no more for its buffers than the load does.
 */
function* replay(parts: Array<{ table: Piece['table']; file: string }>): Generator<Piece> {
  for (const { table, file } of parts) {
    const fd = openSync(file, 'r');
    try {
      for (;;) {
        const buf = outputBuffers.acquire();
        const n = readSync(fd, buf, 0, BLOCK, null);
        if (n === 0) {
          outputBuffers.release(buf);
          break;
        }
        yield { table, buf: buf.subarray(0, n) };
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** (b) the ceiling: files replayed with the same chunk transactions and parallelism as a load. */
async function ceiling(target: Target, data: DataParams, jobs: number, files: Map<string, Array<{ table: Piece['table']; file: string }>>, same: Figure): Promise<Figure> {
  const schema = 'pgscale_bench_ceiling';
  const admin = await target.connect();
  try {
    await dropOwnedSchema(admin, schema);
    await createSchema(admin, schema, { ...data, enums: 'smallint', generatorVersion: GENERATOR_VERSION });
    // The files were just written: let the kernel flush them before timing, so their
    // writeback does not compete with Postgres' own writes.
    await settled(admin);
    let bytes = 0;
    const meter = cpuMeter();
    const t = performance.now();
    await runWorkers(target, jobs, chunkPlan(data), async (client, c) => {
      const n = await loadChunk(client, schema, c, replay(files.get(`${c.group}:${c.k}`) ?? []), {}, () => {});
      bytes += n;
    });
    const seconds = (performance.now() - t) / 1000;
    const cpu = meter();
    // The very rows (a) generated: count them on the server to be sure they all arrived.
    const r = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(schema, 'message_history')}`);
    if (Number(r.rows[0].n) !== same.messages) throw new Error(`ceiling loaded ${r.rows[0].n} messages, expected ${same.messages}`);
    return { what: `(b) ceiling: files replayed via COPY, ${jobs} jobs`, rows: same.rows, messages: same.messages, bytes, seconds, cpu };
  } finally {
    await dropOwnedSchema(admin, schema).catch(() => undefined);
    await admin.end();
  }
}

/**
 * Start a timed phase from the same state as the other: the kernel's dirty pages written
 * (sync) and a CHECKPOINT, so neither phase pays for the one before it (the ceiling
 * writes ~9 GB of data and WAL at 10m, enough to start a checkpoint inside the load).
 */
async function settled(admin: pg.Client): Promise<void> {
  execFileSync('sync');
  try {
    await admin.query('CHECKPOINT');
  } catch (err) {
    // CHECKPOINT needs superuser or pg_checkpoint (PostgreSQL 15+): without it, say so and go on.
    if ((err as { code?: string }).code !== '42501') throw err;
    console.log('note: this role may not CHECKPOINT (grant pg_checkpoint): a phase may pay for the writes of the one before it');
  }
}

/** (c) the real load's data phase, into a fresh schema. */
async function realLoad(target: Target, data: DataParams, jobs: number): Promise<Figure & { rss: number }> {
  const schema = 'pgscale_bench_load';
  const admin = await target.connect();
  try {
    await settled(admin);
    // CPU over the data phase alone: from its start to the next phase (the VACUUM after it).
    let meter: (() => Figure['cpu']) | undefined;
    let cpu: Figure['cpu'];
    const s = await load(target, {
      schema,
      data,
      enums: 'smallint',
      jobs,
      fresh: true,
      skipIndexes: true,
      onEvent: (e) => {
        if (e.type !== 'phase') return;
        if (e.phase === 'data') meter = cpuMeter();
        else if (meter && !cpu) cpu = meter();
      },
    });
    await dropOwnedSchema(admin, schema);
    return { what: `(c) pgscale load (data phase), ${jobs} jobs`, rows: s.totalRows, messages: s.rows.message_history ?? 0, bytes: s.copyBytes, seconds: s.seconds.data, rss: s.client.peakRssBytes, cpu };
  } finally {
    await admin.end();
  }
}

/** (d) the naive way: a Faker call per field per row (message rows only). */
function naiveFaker(rows: number): Figure {
  faker.seed(1);
  const fd = openSync('/dev/null', 'w');
  let bytes = 0;
  const t = performance.now();
  let out = '';
  for (let i = 0; i < rows; i++) {
    out += `${faker.string.uuid()}\t${faker.number.int(1000)}\t${faker.string.uuid()}\t${faker.string.uuid()}\t${i % 40}\t${faker.helpers.arrayElement(['1', '2'])}\t0\t\\N\t${escapeCopyText(faker.lorem.sentence())}\t${faker.number.int(500)}\tt\t${faker.date.between({ from: '2025-01-01', to: '2026-01-01' }).toISOString()}\n`;
    if (out.length > BLOCK) {
      bytes += writeSync(fd, out);
      out = '';
    }
  }
  bytes += writeSync(fd, out);
  closeSync(fd);
  return { what: '(d) naive: a Faker call per field per row', rows, messages: rows, bytes, seconds: (performance.now() - t) / 1000 };
}

const program = new Command('bench:load')
  .option('--scale <n>', 'messages', parseScale, 10_000_000)
  .option('--seed <n>', 'seed', parseInteger('--seed', 0), 1)
  .option('--months <n>', 'months', parseInteger('--months', 1, 120), 12)
  .option('--jobs <n>', 'parallel COPY connections', parseInteger('--jobs', 1, 64), availableParallelism())
  .option('--database-url <url>', 'a server you run (default: the embedded one)')
  .option('--tmp <dir>', 'where the ceiling files go', tmpdir())
  .option('--rounds <n>', 'rounds of (b) then (c); the ratio is of their medians', parseInteger('--rounds', 1, 20), 3)
  .parse();
const o = program.opts<{ scale: number; seed: number; months: number; jobs: number; databaseUrl?: string; tmp: string; rounds: number }>();
const data: DataParams = { scale: o.scale, seed: o.seed, months: o.months };

console.log(`bench:load — scale ${o.scale.toLocaleString('en-US')} messages, seed ${o.seed}, ${o.jobs} jobs`);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
const a = generatorAlone(data);
console.log(line(a));
const d = naiveFaker(Math.min(200_000, o.scale));
console.log(line(d));

const target = await openTarget(resolveTargetSpec({ databaseUrl: o.databaseUrl }, {}, process.cwd()), (l) => console.log(l));
const dir = mkdtempSync(join(o.tmp, 'pgscale-ceiling-'));
try {
  const files = pregenerate(data, dir);
  // (b) and (c) take turns, so a drift of the machine (a noisy neighbour, the page cache
  // filling up) lands on both; one round of each moved by up to 10 % from run to run here.
  const bs: Figure[] = [];
  const cs: Array<Figure & { rss: number }> = [];
  for (let r = 1; r <= o.rounds; r++) {
    if (o.rounds > 1) console.log(`round ${r} of ${o.rounds}`);
    const b = await ceiling(target, data, o.jobs, files, a);
    console.log(line(b));
    console.log(cpuLine(b));
    const c = await realLoad(target, data, o.jobs);
    console.log(line(c));
    console.log(cpuLine(c));
    console.log(`ratio (c)/(b) = ${(b.seconds / c.seconds).toFixed(2)}   (1.00 = loading as fast as COPY of pre-generated bytes)`);
    bs.push(b);
    cs.push(c);
  }
  const b = medianFigure(bs);
  const c = medianFigure(cs);
  if (o.rounds > 1) {
    const ratios = bs.map((x, i) => x.seconds / cs[i].seconds);
    console.log(`median of ${o.rounds} rounds: (b) ${b.seconds.toFixed(1)} s, (c) ${c.seconds.toFixed(1)} s`);
    console.log(`ratio (c)/(b) = ${(b.seconds / c.seconds).toFixed(2)} of the medians (rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')})`);
  }
  if (b.cpu) {
    // (c) has to find the generator's CPU somewhere: in what the ceiling left unused, else in Postgres' share.
    const spare = (b.cpu.machine.cores - b.cpu.machine.busy) * b.seconds;
    console.log(`the ceiling left ${spare.toFixed(1)} core-seconds unused (idle or I/O wait); the generator needs ${a.seconds.toFixed(1)} (a), so (c) ${spare >= a.seconds ? 'can hide it there' : 'takes the rest from Postgres'}`);
  }
  console.log(`generator alone: ${(a.messageRowsPerSecond / 1e6).toFixed(2)}M message rows/s on one core (conversation chunks, sessions included); ${(a.rows / a.seconds / 1e6).toFixed(2)}M rows/s over all tables`);
  console.log(`peak RSS of this process during (c): ${(Math.max(...cs.map((x) => x.rss)) / 2 ** 20).toFixed(0)} MB (includes the bench's own earlier phases)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await target.close();
}
