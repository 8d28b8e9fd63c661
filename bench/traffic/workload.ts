/**
 * What a workload is: named, weighted transactions, each an async function given a
 * connection, a seeded random source and the data set's parameters. The platform mix
 * (workloads/platform.ts) is written this way, and so is any user module passed with
 * `--workload FILE.ts`; pgbench scripts are turned into the same shape by the worker.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PgscaleError } from '../../core/errors.ts';
import type { Rng } from '../../generators/rng.ts';

/**
 * A connection as a transaction sees it: every statement is prepared once per connection
 * and reused, and every value comes back as the text the server sent (a number is a
 * string: `Number(row.n)`), so the client spends no time parsing what it never reads.
 */
export interface Db {
  query<R = Record<string, string | null>>(sql: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** The data set a workload runs on (the platform mix's) or, for scripts, pgbench's variables. */
export interface WorkloadParams {
  /** The data set's schema (on the connection's search_path already). */
  schema?: string;
  scale: number;
  seed: number;
  months: number;
  enums: 'smallint' | 'varchar';
  /** `-D NAME=VALUE` definitions. */
  vars: Readonly<Record<string, string>>;
  /** Where the data set's clock stood when the run began (ms since the epoch, UTC): new rows continue from it. */
  clockStartMs: number;
}

/** What a transaction is given besides its connection and random source. */
export interface TxContext<S = unknown> {
  params: WorkloadParams;
  /** This client's number, from 0 across all threads (pgbench's :client_id). */
  clientId: number;
  /** The data set's clock now: clockStartMs plus the time since the run began. */
  now(): Date;
  /** What the module's setup() returned in this worker thread. */
  state: S;
  /**
   * Name a tenant whose rows this transaction touches, before its first statement. On a
   * sharded target (`traffic --shard`) the transaction runs on that tenant's shard; naming
   * tenants on two shards makes it a cross-shard transaction, counted as such (its
   * statements stay on the first tenant's shard). A transaction that names none runs on the
   * shards in turn (right for work that belongs to no tenant, such as a shard's task queue).
   * On one server it does nothing.
   */
  tenant(id: number): void;
}

/** The seeded random source a transaction draws from (sfc32): next() in [0, 1), int(n), chance(p), normal(), exponential(mean). */
export type Random = Pick<Rng, 'next' | 'int' | 'chance' | 'normal' | 'exponential'>;

/** One named, weighted transaction. */
export interface Transaction<S = unknown> {
  name: string;
  /** Relative share of the mix (any non-negative number; the weights need not add up to 100). */
  weight: number;
  /** Why this transaction and weight: shown by --help-workload and in reports. */
  description?: string;
  run(db: Db, random: Random, ctx: TxContext<S>): Promise<unknown>;
}

/** A workload module's exports. */
export interface WorkloadModule<S = unknown> {
  transactions: Transaction<S>[];
  description?: string;
  /** Once per worker thread, before its first transaction: derive lookup tables from the parameters. */
  setup?(params: WorkloadParams): S | Promise<S>;
  /** Once per run, on one connection, before any worker starts (create partitions ahead, check the schema). */
  prepare?(db: Db, params: WorkloadParams): Promise<void>;
  /** Tables it updates in place: a capacity search vacuums them between steps. */
  updates?: string[];
}

/** What a worker needs to run a workload: serialisable, so it crosses into worker threads. */
export type WorkloadSpec =
  | { kind: 'mix' | 'module'; name: string; path: string }
  | { kind: 'script'; name: string; scripts: Array<{ file: string; weight: number; text: string }> };

/** Import a workload module and check its exports; any failure is an UNUSABLE_INPUT error (exit 2) naming the file. */
export async function importWorkload(path: string): Promise<WorkloadModule> {
  const file = isAbsolute(path) ? path : resolve(path);
  let mod: Record<string, unknown>;
  try {
    // tsImport compiles a .ts module as ESM wherever it lives: under a plain import, a file
    // outside a "type": "module" package would be read as CommonJS and fail. tsx is loaded
    // only then: the compiled package needs it for a user's .ts workload and nothing else.
    if (/\.[cm]?ts$/.test(file)) {
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
    } else {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const missing = e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(file);
    throw new PgscaleError('UNUSABLE_INPUT', missing ? `workload module ${path} not found` : `workload module ${path} failed to load: ${e.message?.split('\n')[0] ?? String(err)}`, {
      hint: 'A workload is a .ts, .js or .mjs module exporting `transactions`: an array of { name, weight, run(db, random, ctx) } (see workloads/platform.ts).',
      cause: err,
    });
  }
  return checkWorkload(path, (mod.default && typeof mod.default === 'object' && !mod.transactions ? mod.default : mod) as Record<string, unknown>);
}

/** Validate a module's shape: non-empty transactions with unique names, weights ≥ 0 (some > 0) and run functions. */
export function checkWorkload(path: string, mod: Record<string, unknown>): WorkloadModule {
  const bad = (what: string) =>
    new PgscaleError('UNUSABLE_INPUT', `workload module ${path}: ${what}`, {
      hint: 'Export `transactions`: an array of { name: string, weight: number, run: async (db, random, ctx) => … } (see workloads/platform.ts).',
    });
  const txs = mod.transactions;
  if (!Array.isArray(txs) || txs.length === 0) throw bad('exports no `transactions` array (or an empty one)');
  const names = new Set<string>();
  for (const [i, t] of txs.entries()) {
    const tx = t as Partial<Transaction>;
    if (typeof tx?.name !== 'string' || tx.name === '') throw bad(`transaction ${i} has no name`);
    if (names.has(tx.name)) throw bad(`two transactions are named '${tx.name}'`);
    names.add(tx.name);
    if (typeof tx.weight !== 'number' || !(tx.weight >= 0) || !Number.isFinite(tx.weight)) throw bad(`transaction '${tx.name}' needs a weight ≥ 0`);
    if (typeof tx.run !== 'function') throw bad(`transaction '${tx.name}' has no run function`);
  }
  if (!txs.some((t: Transaction) => t.weight > 0)) throw bad('every weight is 0');
  for (const key of ['setup', 'prepare'] as const) {
    if (mod[key] !== undefined && typeof mod[key] !== 'function') throw bad(`\`${key}\` is not a function`);
  }
  return mod as unknown as WorkloadModule;
}
