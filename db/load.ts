/**
 * `pgscale load`: create the schema, stream every chunk with COPY over N parallel
 * connections, then build keys and indexes and ANALYZE. Resumable: chunks already in the
 * load log are skipped; a schema made with other parameters is refused unless `fresh`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type pg from 'pg';
import type { EnumStyle } from '../generators/enums.ts';
import {
  type Chunk,
  type DataParams,
  GENERATOR_VERSION,
  type RowCounts,
  TABLE_NAMES,
  type TableName,
  chunkPlan,
  generateChunk,
  makeContext,
} from '../generators/index.ts';
import { loadChunk } from './copy.ts';
import { totalRelationBytes } from './relation-size.ts';
import { runWorkers } from './workers.ts';
import { checkCitus, citusIndexStatements, citusLayout, distributeSchema } from './citus.ts';
import { lockDataset, nameSession, unlockDataset } from './dataset-lock.ts';
import { type LoadPart, type Remaining, freshPartRefusal, partChunks, remainingChunks } from './load-parts.ts';
import { PgscaleError } from '../core/errors.ts';
import { toPgscaleError } from './errors.ts';
import { qualified, quoteIdent } from './quote.ts';
import {
  type SchemaParams,
  assertOwned,
  checkSchemaName,
  createSchema,
  dropOwnedSchema,
  indexStatements,
  inspectSchema,
  sameData,
  setState,
} from './schema.ts';
import type { Target } from './target.ts';

export interface LoadOptions {
  schema: string;
  data: DataParams;
  enums: EnumStyle;
  /** Parallel COPY connections. */
  jobs: number;
  /** Drop an owned schema made with other parameters (or the same) and load anew. */
  fresh: boolean;
  /** Skip building keys and indexes (scenarios that build their own). */
  skipIndexes?: boolean;
  /**
   * When another process owns the data set (loading it): wait for it and then reuse or
   * finish its work (default), or fail at once with PgscaleError('BUSY').
   */
  wait?: boolean;
  /**
   * Load only this part's chunks (`load --part I/N`), side by side with the other parts;
   * the last part to commit its chunks builds the indexes and marks the data set complete.
   */
  part?: LoadPart;
  /** Make the tables Citus tables before loading through the coordinator (db/citus.ts). */
  distribute?: 'citus';
  onEvent?: (e: LoadEvent) => void;
}

export type LoadEvent =
  | { type: 'plan'; chunks: number; pending: number; totalRows: number; doneRows: number; resumed: boolean; reused: boolean }
  | { type: 'bytes'; bytes: number }
  | { type: 'chunk'; chunk: Chunk; rows: number; bytes: number }
  | { type: 'phase'; phase: 'schema' | 'data' | 'indexes' | 'analyze' | 'done' }
  | { type: 'index'; name: string; seconds: number }
  | { type: 'note'; message: string };

export interface LoadSummary {
  schema: string;
  /** Where it went (never a password) and the settings pgscale gave a server it started. */
  target: { kind: string; describe: string; settings: Record<string, string> };
  params: SchemaParams;
  /** True when the data set was already complete and nothing was loaded. */
  reused: boolean;
  resumedChunks: number;
  loadedChunks: number;
  rows: Partial<Record<TableName, number>>;
  totalRows: number;
  /** COPY text bytes sent by this run. */
  copyBytes: number;
  /** On-disk bytes per table (heap + indexes + TOAST, summed over partitions). */
  diskBytes: Partial<Record<TableName, number>>;
  /** Wall seconds per phase; `analyze` is VACUUM (ANALYZE) twice and a CHECKPOINT. */
  seconds: { schema: number; data: number; indexes: number; analyze: number; total: number };
  rowsPerSecond: number;
  megabytesPerSecond: number;
  indexes: Array<{ name: string; seconds: number }>;
  /**
   * A part's load: which part, and whether it completed the data set (`this part`), found
   * it completed (`another part`), or left it for the parts whose chunks `remaining` counts.
   */
  part?: LoadPart & { completedBy: 'this part' | 'another part' | 'pending'; remaining?: Remaining };
  /** Load-generator health: a client bottleneck must never pass for a database result. */
  client: { peakRssBytes: number; cpuSeconds: number; eventLoopLagP99Ms: number; eventLoopLagMaxMs: number };
}

export async function load(target: Target, opts: LoadOptions): Promise<LoadSummary> {
  checkSchemaName(opts.schema);
  const emit = opts.onEvent ?? (() => {});
  const t0 = performance.now();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const cpu0 = process.cpuUsage();
  const params: SchemaParams = { ...opts.data, enums: opts.enums, generatorVersion: GENERATOR_VERSION, ...(opts.distribute ? { distribute: opts.distribute } : {}) };
  const admin = await target.connect();
  const s = quoteIdent(opts.schema);
  try {
    // One owner per data set: held by this session for the whole load, released by the
    // server if this process dies. A second load waits here, then finds the data set
    // complete (reuse) or half-made (it takes over where the first stopped).
    await nameSession(admin, opts.part ? `load --part ${opts.part.index}/${opts.part.count}` : 'load');
    if (opts.part && opts.fresh) {
      throw freshPartRefusal(opts.schema);
    }
    // A part holds the data set shared, beside the other parts (a whole load or a drop
    // waits for all of them), and takes the finish lock while it creates the schema.
    const { waitedSeconds } = await lockDataset(admin, opts.schema, { wait: opts.wait ?? true, shared: !!opts.part, onWait: (message) => emit({ type: 'note', message }) });
    if (opts.part) await lockDataset(admin, opts.schema, { wait: true, lock: 'finish', onWait: (message) => emit({ type: 'note', message }) });
    if (waitedSeconds > 0) emit({ type: 'note', message: `waited ${waitedSeconds.toFixed(0)} s for schema '${opts.schema}'; going on with what the other process left` });
    emit({ type: 'phase', phase: 'schema' });
    let info = await inspectSchema(admin, opts.schema);
    assertOwned(info, opts.schema, 'load into');
    if (info.exists && (opts.fresh || !info.params || !sameData(info.params, params))) {
      if (!opts.fresh) {
        const had = info.params;
        throw new PgscaleError('MISMATCH', `schema '${opts.schema}' holds a data set made with other parameters (${had ? describeParams(had) : 'unknown'}; asked: ${describeParams(params)})`, {
          hint: `Add --fresh to drop it and load anew, or choose another --schema.`,
        });
      }
      await dropOwnedSchema(admin, opts.schema);
      info = { exists: false, owned: false };
    }
    if (!info.exists) {
      if (opts.distribute) {
        const citus = await checkCitus(admin);
        emit({ type: 'note', message: `citus ${citus.version} with ${citus.workers} active worker${citus.workers === 1 ? '' : 's'}: tenants as a reference table, the others distributed by tenant_id` });
      }
      await createSchema(admin, opts.schema, params);
      if (opts.distribute) {
        try {
          await distributeSchema(admin, opts.schema, opts.enums);
        } catch (err) {
          // The schema is pgscale's and empty: leave nothing half-distributed behind.
          await dropOwnedSchema(admin, opts.schema);
          throw err;
        }
      }
    }
    if (opts.part) await unlockDataset(admin, opts.schema, 'finish');
    const tSchema = performance.now();

    const plan = chunkPlan(opts.data);
    const logged = async () => new Set((await admin.query<{ grp: string; chunk: number }>(`SELECT grp, chunk FROM ${s}._pgscale_load_log`)).rows.map((r) => `${r.grp}:${r.chunk}`));
    const done = await logged();
    // A part's progress and summary are about its own chunks.
    const mine = opts.part ? partChunks(plan, opts.part) : plan;
    const pending = mine.filter((c) => !done.has(`${c.group}:${c.k}`));
    const reused = info.state === 'complete' && pending.length === 0;
    emit({
      type: 'plan',
      chunks: mine.length,
      pending: pending.length,
      totalRows: mine.reduce((a, c) => a + c.rows, 0),
      doneRows: mine.filter((c) => done.has(`${c.group}:${c.k}`)).reduce((a, c) => a + c.rows, 0),
      resumed: mine.length > pending.length && !reused,
      reused,
    });

    const before = await loggedRows(admin, opts.schema);
    let copyBytes = 0;
    emit({ type: 'phase', phase: 'data' });
    if (pending.length) {
      copyBytes = await loadChunks(target, opts, pending, emit);
    }
    const tData = performance.now();

    let part: LoadSummary['part'];
    if (opts.part) {
      // One part at a time decides whether every chunk is in; the part that finds them all
      // keeps the lock while it completes the data set, so a part finishing at the same
      // moment waits for it and then finds the data set complete.
      await lockDataset(admin, opts.schema, { wait: true, lock: 'finish', onWait: (message) => emit({ type: 'note', message }) });
      const remaining = remainingChunks(plan, await logged(), opts.part.count);
      const state = (await inspectSchema(admin, opts.schema)).state;
      if (remaining.chunks > 0) {
        part = { ...opts.part, completedBy: 'pending', remaining };
        await unlockDataset(admin, opts.schema, 'finish');
      } else {
        part = { ...opts.part, completedBy: state === 'complete' ? 'another part' : 'this part' };
      }
    }
    // Keys, indexes and the settling VACUUM: once, by a whole load or by the part that completes the data set.
    const finish = part ? part.completedBy === 'this part' : !reused;

    const indexes: Array<{ name: string; seconds: number }> = [];
    if (finish) {
      await setState(admin, opts.schema, 'indexing');
      if (!opts.skipIndexes) {
        emit({ type: 'phase', phase: 'indexes' });
        indexes.push(...(await buildIndexes(target, opts, emit)));
      }
    }
    const tIndex = performance.now();
    if (finish) {
      emit({ type: 'phase', phase: 'analyze' });
      await settle(target, opts, emit);
      await setState(admin, opts.schema, 'complete');
    }
    const tEnd = performance.now();
    emit({ type: 'phase', phase: 'done' });

    const rows = await loggedRows(admin, opts.schema);
    const totalRows = Object.values(rows).reduce((a, b) => a + (b ?? 0), 0);
    const dataSeconds = (tData - tSchema) / 1000;
    const loadedRows = totalRows - Object.values(before).reduce((a, b) => a + (b ?? 0), 0);
    lag.disable();
    const cpu = process.cpuUsage(cpu0);
    return {
      schema: opts.schema,
      target: { kind: target.kind, describe: target.describe, settings: target.settings },
      params,
      reused,
      resumedChunks: done.size,
      loadedChunks: pending.length,
      rows,
      totalRows,
      copyBytes,
      diskBytes: await diskBytes(admin, opts.schema),
      seconds: {
        schema: (tSchema - t0) / 1000,
        data: dataSeconds,
        indexes: (tIndex - tData) / 1000,
        analyze: (tEnd - tIndex) / 1000,
        total: (tEnd - t0) / 1000,
      },
      rowsPerSecond: dataSeconds > 0 ? loadedRows / dataSeconds : 0,
      megabytesPerSecond: dataSeconds > 0 ? copyBytes / 1e6 / dataSeconds : 0,
      indexes,
      ...(part ? { part } : {}),
      client: {
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        eventLoopLagP99Ms: lag.percentile(99) / 1e6,
        eventLoopLagMaxMs: lag.max / 1e6,
      },
    };
  } catch (err) {
    throw toPgscaleError(err, { where: target.describe, context: `loading schema '${opts.schema}'` });
  } finally {
    lag.disable();
    await admin.end().catch(() => undefined);
  }
}

export function describeParams(p: SchemaParams): string {
  return `scale ${p.scale}, seed ${p.seed}, months ${p.months}, enums ${p.enums}, generator v${p.generatorVersion}${p.shard ? `, shard ${p.shard.index + 1} of ${p.shard.count}` : ''}${p.distribute ? `, distributed by ${p.distribute}` : ''}`;
}

/** COPY every pending chunk over `jobs` connections; the first failure stops the rest. */
async function loadChunks(target: Target, opts: LoadOptions, pending: Chunk[], emit: (e: LoadEvent) => void): Promise<number> {
  const ctx = makeContext(opts.data, opts.enums);
  let bytes = 0;
  await runWorkers(target, opts.jobs, pending, async (client, c) => {
    const counts: RowCounts = {};
    const chunkBytes = await loadChunk(client, opts.schema, c, generateChunk(ctx, c, counts), counts, (n) => {
      emit({ type: 'bytes', bytes: n });
    });
    bytes += chunkBytes;
    emit({ type: 'chunk', chunk: c, rows: c.rows, bytes: chunkBytes });
  });
  return bytes;
}

/** Build keys and indexes that do not exist yet, `jobs` at a time. */
export async function buildIndexes(target: Target, opts: LoadOptions, emit: (e: LoadEvent) => void): Promise<Array<{ name: string; seconds: number }>> {
  const out: Array<{ name: string; seconds: number }> = [];
  const statements = opts.distribute ? citusIndexStatements(opts.enums, opts.schema, citusLayout(opts.enums, opts.schema)).statements : indexStatements(opts.enums, opts.schema);
  await runWorkers(target, opts.jobs, statements, async (client, ix) => {
    const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS e', [qualified(opts.schema, ix.name)]);
    if (exists.rows[0].e) return;
    const t = performance.now();
    await client.query(`SET search_path TO ${quoteIdent(opts.schema)}`);
    await client.query(ix.sql);
    const seconds = (performance.now() - t) / 1000;
    out.push({ name: ix.name, seconds });
    emit({ type: 'index', name: ix.name, seconds });
  });
  return out;
}

/**
 * Leave the data set settled, so a fresh load measures like a reused one: VACUUM (ANALYZE)
 * sets the visibility map and hint bits and gives back the empty pages COPY's bulk
 * relation extension left at the end of each partition (measured: a fresh 300k
 * message_history shrank 71.6 → 70.0 MB at the first VACUUM and 67.9 MB at the second,
 * then stayed), then a CHECKPOINT so the load's dirty buffers are not written out while
 * something is being measured.
 */
export async function settle(target: Target, opts: LoadOptions, emit: (e: LoadEvent) => void): Promise<void> {
  await runWorkers(target, opts.jobs, TABLE_NAMES, async (client, t) => {
    await client.query(`VACUUM (ANALYZE) ${qualified(opts.schema, t)}`);
  });
  await runWorkers(target, 1, TABLE_NAMES, async (client, t) => {
    await client.query(`VACUUM ${qualified(opts.schema, t)}`);
  });
  const client = await target.connect();
  try {
    await client.query('CHECKPOINT');
  } catch (err) {
    // CHECKPOINT needs superuser or pg_checkpoint (PostgreSQL 15+); without it the
    // checkpointer just catches up on its own schedule.
    if ((err as { code?: string }).code !== '42501') throw err;
    emit({ type: 'note', message: 'CHECKPOINT not allowed for this user: the load\'s dirty buffers are flushed on the server\'s schedule' });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Rows per table as recorded in the load log (what was committed, whichever run did it). */
export async function loggedRows(client: pg.Client, schema: string): Promise<Partial<Record<TableName, number>>> {
  const r = await client.query<{ table: TableName; rows: string }>(
    `SELECT key AS table, sum(value::bigint) AS rows FROM ${quoteIdent(schema)}._pgscale_load_log, jsonb_each_text(rows) GROUP BY key`,
  );
  const out: Partial<Record<TableName, number>> = {};
  for (const t of TABLE_NAMES) out[t] = 0;
  for (const row of r.rows) out[row.table] = Number(row.rows);
  return out;
}

/** Heap + TOAST + index bytes of each table, summed over its partitions (a partitioned parent reports 0). */
export async function diskBytes(client: pg.Client, schema: string): Promise<Partial<Record<TableName, number>>> {
  const out: Partial<Record<TableName, number>> = {};
  for (const t of TABLE_NAMES) out[t] = await totalRelationBytes(client, schema, t);
  return out;
}
