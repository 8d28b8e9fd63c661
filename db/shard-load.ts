/**
 * `pgscale load --shard URL --shard URL …`: one data set spread over several servers, each
 * tenant's rows (its tenants row, bots, users, sessions, messages, tasks, approvals and
 * events) on the one shard db/placement.ts names. `tenants` is split like the rest
 * rather than copied whole to every shard: the union of the shards is then exactly the
 * single-server data set, count for count, and a shard answers nothing about a tenant it
 * does not hold. Each shard's schema records its place in the layout in _pgscale_meta and
 * keeps its own load log; keys, indexes and VACUUM are built on every shard in parallel.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type pg from 'pg';
import { PgscaleError } from '../core/errors.ts';
import { type Chunk, GENERATOR_VERSION, type TableName, chunkPlan, deriveCounts, generateChunk, makeContext } from '../generators/index.ts';
import { lockDataset, nameSession } from './dataset-lock.ts';
import { toPgscaleError } from './errors.ts';
import { type LoadEvent, type LoadOptions, type LoadSummary, buildIndexes, describeParams, diskBytes, loggedRows, settle } from './load.ts';
import { PLACEMENT, placementTable } from './placement.ts';
import { quoteIdent } from './quote.ts';
import { type SchemaParams, type SchemaState, assertOwned, checkSchemaName, createSchema, dropOwnedSchema, inspectSchema, sameData, setState } from './schema.ts';
import { loadChunkSharded } from './shard-copy.ts';
import type { Target } from './target.ts';

/** The shape of a sharded target, as results files and summaries record it. */
export interface ShardLayout {
  count: number;
  placement: typeof PLACEMENT;
  /** Each shard's server (never a password), in shard order. */
  shards: string[];
}

/** One shard's part of a sharded load. */
export interface ShardLoadPart {
  index: number;
  describe: string;
  /** Tenant ids this shard holds. */
  tenants: number[];
  reused: boolean;
  rows: Partial<Record<TableName, number>>;
  diskBytes: Partial<Record<TableName, number>>;
  indexes: Array<{ name: string; seconds: number }>;
}

/** A load summary over all shards (rows and bytes summed), with each shard's part. */
export interface ShardedLoadSummary extends LoadSummary {
  layout: ShardLayout;
  shards: ShardLoadPart[];
}

/** The layout of these targets. */
export function shardLayout(targets: readonly Pick<Target, 'describe'>[]): ShardLayout {
  return { count: targets.length, placement: PLACEMENT, shards: targets.map((t) => t.describe) };
}

/** Tenant ids (1-based, as generated) on each of `count` shards. */
export function tenantsByShard(tenants: number, count: number): number[][] {
  const placement = placementTable(tenants, count);
  const out = Array.from({ length: count }, () => [] as number[]);
  for (let t = 1; t <= tenants; t++) out[placement[t]].push(t);
  return out;
}

interface Prepared {
  state?: SchemaState;
  /** `grp:chunk` of the chunks this shard has committed. */
  done: Set<string>;
}

/** Lock, check and if need be create one shard's schema. */
async function prepareShard(admin: pg.Client, opts: LoadOptions, params: SchemaParams, emit: (e: LoadEvent) => void, label: string): Promise<Prepared> {
  await nameSession(admin, 'load');
  const { waitedSeconds } = await lockDataset(admin, opts.schema, { wait: opts.wait ?? true, onWait: (message) => emit({ type: 'note', message: `${label}: ${message}` }) });
  if (waitedSeconds > 0) emit({ type: 'note', message: `${label}: waited ${waitedSeconds.toFixed(0)} s for schema '${opts.schema}'` });
  let info = await inspectSchema(admin, opts.schema);
  assertOwned(info, opts.schema, 'load into');
  if (info.exists && (opts.fresh || !info.params || !sameData(info.params, params))) {
    if (!opts.fresh) {
      const had = info.params;
      throw new PgscaleError('MISMATCH', `${label}: schema '${opts.schema}' holds a data set made with other parameters (${had ? describeParams(had) : 'unknown'}; asked: ${describeParams(params)})`, {
        hint: 'Add --fresh to drop it on every shard and load anew, or choose another --schema. A shard layout (count and order of --shard) is part of the data set: the same URLs in another order are another layout.',
      });
    }
    await dropOwnedSchema(admin, opts.schema);
    info = { exists: false, owned: false };
  }
  if (!info.exists) await createSchema(admin, opts.schema, params);
  const log = await admin.query<{ grp: string; chunk: number }>(`SELECT grp, chunk FROM ${quoteIdent(opts.schema)}._pgscale_load_log`);
  return { state: info.exists ? info.state : 'loading', done: new Set(log.rows.map((r) => `${r.grp}:${r.chunk}`)) };
}

/** Load one data set across `targets`, tenant by tenant; resumable per shard. */
export async function loadSharded(targets: readonly Target[], opts: LoadOptions): Promise<ShardedLoadSummary> {
  checkSchemaName(opts.schema);
  if (targets.length < 1) throw new PgscaleError('USAGE', 'a sharded load needs at least one shard', { hint: 'Give --shard URL once per shard.' });
  const emit = opts.onEvent ?? (() => {});
  const count = targets.length;
  const label = (s: number) => `shard ${s + 1}/${count}`;
  const t0 = performance.now();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const cpu0 = process.cpuUsage();
  const paramsOf = (index: number): SchemaParams => ({ ...opts.data, enums: opts.enums, generatorVersion: GENERATOR_VERSION, shard: { index, count, placement: PLACEMENT } });
  const admins: pg.Client[] = [];
  let where = targets.map((t) => t.describe).join(', ');
  try {
    for (const target of targets) admins.push(await target.connect());
    emit({ type: 'phase', phase: 'schema' });
    const prepared = await Promise.all(
      admins.map((admin, s) =>
        prepareShard(admin, opts, paramsOf(s), emit, label(s)).catch((err: unknown) => {
          throw toPgscaleError(err, { where: targets[s].describe, context: `${label(s)}: loading schema '${opts.schema}'` });
        }),
      ),
    );
    const tSchema = performance.now();

    const plan = chunkPlan(opts.data);
    const missing = (c: Chunk) => prepared.flatMap((p, s) => (p.done.has(`${c.group}:${c.k}`) ? [] : [s]));
    const pending = plan.map((c) => ({ chunk: c, shards: missing(c) })).filter((p) => p.shards.length > 0);
    const settled = prepared.map((p, s) => p.state === 'complete' && !pending.some((x) => x.shards.includes(s)));
    const reused = settled.every(Boolean);
    const anyDone = prepared.some((p) => p.done.size > 0);
    emit({
      type: 'plan',
      chunks: plan.length,
      pending: pending.length,
      totalRows: plan.reduce((a, c) => a + c.rows, 0),
      doneRows: plan.filter((c) => missing(c).length === 0).reduce((a, c) => a + c.rows, 0),
      resumed: anyDone && !reused,
      reused,
    });

    const counts = deriveCounts(opts.data);
    const placement = placementTable(counts.tenants, count);
    emit({ type: 'phase', phase: 'data' });
    const copied = pending.length ? await loadChunks(targets, opts, pending, placement, emit) : { bytes: 0, rows: 0 };
    const copyBytes = copied.bytes;
    const tData = performance.now();

    // Shards build their keys and settle side by side; the summary's phase times are the
    // slowest shard's.
    const indexes: ShardLoadPart['indexes'][] = targets.map(() => []);
    const phaseSeconds = { indexes: 0, analyze: 0 };
    if (!reused) emit({ type: 'phase', phase: opts.skipIndexes ? 'analyze' : 'indexes' });
    await Promise.all(
      targets.map(async (target, s) => {
        if (settled[s]) return;
        where = target.describe;
        await setState(admins[s], opts.schema, 'indexing');
        const tagged = (e: LoadEvent) => emit(e.type === 'index' ? { ...e, name: `${label(s)} ${e.name}` } : e.type === 'note' ? { ...e, message: `${label(s)}: ${e.message}` } : e);
        const t = performance.now();
        if (!opts.skipIndexes) indexes[s] = await buildIndexes(target, opts, tagged);
        const tIndexed = performance.now();
        await settle(target, opts, tagged);
        await setState(admins[s], opts.schema, 'complete');
        phaseSeconds.indexes = Math.max(phaseSeconds.indexes, (tIndexed - t) / 1000);
        phaseSeconds.analyze = Math.max(phaseSeconds.analyze, (performance.now() - tIndexed) / 1000);
      }),
    );
    const tEnd = performance.now();
    emit({ type: 'phase', phase: 'done' });

    const tenants = tenantsByShard(counts.tenants, count);
    const shards: ShardLoadPart[] = [];
    for (const [s, admin] of admins.entries()) {
      shards.push({
        index: s,
        describe: targets[s].describe,
        tenants: tenants[s],
        reused: settled[s],
        rows: await loggedRows(admin, opts.schema),
        diskBytes: await diskBytes(admin, opts.schema),
        indexes: indexes[s],
      });
    }
    const rows = sumTables(shards.map((p) => p.rows));
    const totalRows = Object.values(rows).reduce((a, b) => a + (b ?? 0), 0);
    const dataSeconds = (tData - tSchema) / 1000;
    lag.disable();
    const cpu = process.cpuUsage(cpu0);
    const layout = shardLayout(targets);
    return {
      schema: opts.schema,
      target: { kind: targets[0].kind, describe: `${count} shards: ${layout.shards.join('; ')}`, settings: targets[0].settings },
      params: paramsOf(0),
      reused,
      resumedChunks: plan.length - pending.length,
      loadedChunks: pending.length,
      rows,
      totalRows,
      copyBytes,
      diskBytes: sumTables(shards.map((p) => p.diskBytes)),
      seconds: { schema: (tSchema - t0) / 1000, data: dataSeconds, ...phaseSeconds, total: (tEnd - t0) / 1000 },
      rowsPerSecond: dataSeconds > 0 ? copied.rows / dataSeconds : 0,
      megabytesPerSecond: dataSeconds > 0 ? copyBytes / 1e6 / dataSeconds : 0,
      indexes: indexes.flatMap((list, s) => list.map((ix) => ({ ...ix, name: `${label(s)} ${ix.name}` }))),
      client: {
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        eventLoopLagP99Ms: lag.percentile(99) / 1e6,
        eventLoopLagMaxMs: lag.max / 1e6,
      },
      layout,
      shards,
    };
  } catch (err) {
    throw toPgscaleError(err, { where, context: `loading schema '${opts.schema}' across ${count} shards` });
  } finally {
    lag.disable();
    await Promise.all(admins.map((a) => a.end().catch(() => undefined)));
  }
}

function sumTables(parts: Array<Partial<Record<TableName, number>>>): Partial<Record<TableName, number>> {
  const out: Partial<Record<TableName, number>> = {};
  for (const part of parts) for (const [t, n] of Object.entries(part) as Array<[TableName, number]>) out[t] = (out[t] ?? 0) + n;
  return out;
}

/**
 * `jobs` workers take chunks from one queue; each holds one connection per shard and loads
 * a chunk into every shard that lacks it at once. The first failure stops the rest.
 */
async function loadChunks(
  targets: readonly Target[],
  opts: LoadOptions,
  pending: Array<{ chunk: Chunk; shards: number[] }>,
  placement: Int32Array,
  emit: (e: LoadEvent) => void,
): Promise<{ bytes: number; rows: number }> {
  const ctx = makeContext(opts.data, opts.enums);
  const queue = [...pending];
  let failed: { err: unknown } | undefined;
  let bytes = 0;
  let rows = 0;
  const worker = async () => {
    const clients: Array<pg.Client | undefined> = targets.map(() => undefined);
    try {
      for (let item = queue.shift(); item !== undefined && !failed; item = queue.shift()) {
        for (const s of item.shards) clients[s] ??= await targets[s].connect();
        const lacking = clients.map((c, s) => (item.shards.includes(s) ? c : undefined));
        const results = await loadChunkSharded(lacking, opts.schema, item.chunk, generateChunk(ctx, item.chunk, {}), placement, (n) => emit({ type: 'bytes', bytes: n }));
        const chunkBytes = results.reduce((a, r) => a + r.bytes, 0);
        bytes += chunkBytes;
        for (const r of results) rows += Object.values(r.rows).reduce((a, n) => a + (n ?? 0), 0);
        emit({ type: 'chunk', chunk: item.chunk, rows: item.chunk.rows, bytes: chunkBytes });
      }
    } catch (err) {
      failed ??= { err };
    } finally {
      await Promise.all(clients.map((c) => c?.end().catch(() => undefined)));
    }
  };
  await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(opts.jobs, queue.length)) }, worker));
  if (failed) throw failed.err;
  return { bytes, rows };
}
