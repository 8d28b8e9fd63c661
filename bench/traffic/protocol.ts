/**
 * What the traffic engine's main thread and its worker threads say to each other: the
 * worker's configuration, and compact batches of records (a Float64Array per batch,
 * transferred, not copied).
 */
import type pg from 'pg';
import type { Stage } from './schedule.ts';
import type { WorkloadParams, WorkloadSpec } from './workload.ts';

/** What the engine hands each worker. */
export interface WorkerConfig {
  thread: number;
  /** The open loop's arrival stream (distinct across the threads of every part of a split run). */
  stream: number;
  /** Connections this thread owns, and the client_id of the first. */
  clients: number;
  firstClientId: number;
  /**
   * node-postgres configs, search_path and TimeZone included: one for a single server, one
   * per shard (in shard order) for a sharded target, where every client holds a connection
   * to each shard and runs each transaction on its tenant's (db/placement.ts).
   */
  connections: pg.ClientConfig[];
  workload: WorkloadSpec;
  params: WorkloadParams;
  /** pgbench's predefined variables for scripts (scale, -D …); client_id is added per client. */
  scriptVars: Record<string, number | string>;
  mode: 'closed' | 'open';
  /** Open loop: the rate before the first stage, the stages (warm-up first), this thread's share of the rate. */
  initialRate: number;
  stages: Stage[];
  share: number;
  arrivals: 'poisson' | 'uniform';
  /** Uniform arrivals: this thread's offset in [0, 1) so threads interleave. */
  phase: number;
  warmupSeconds: number;
  durationSeconds: number;
  seed: number;
  /** Tries per transaction on serialization failure or deadlock (pgbench --max-tries). */
  maxTries: number;
  /** Queued arrivals beyond this are dropped (and counted). */
  maxQueue: number;
  /** After the window closes: how long queued and in-flight transactions may still finish. */
  drainSeconds: number;
  /** A connection that cannot be re-established for this long means the server is gone. */
  reconnectTimeoutMs: number;
  /** Open a new connection for every transaction and close it after (the serverless pattern). */
  connectPerTransaction: boolean;
  /** Named prepared statements; off for poolers in transaction mode that cannot keep them (PgBouncer < 1.21). */
  preparedStatements: boolean;
}

/** Fields of one record in a batch's Float64Array. */
export const RECORD_FIELDS = 7;
/**
 * Record layout: transaction index, end (s from start), latency (ms, from intended start),
 * schedule lag (ms), 1 ok / 0 failed, the shard it ran on (0 on one server, -1 when it sent
 * no statement), 1 when it named tenants on two shards.
 */
export enum Field {
  Tx = 0,
  End = 1,
  Latency = 2,
  Lag = 3,
  Ok = 4,
  Shard = 5,
  Cross = 6,
}

export type WorkerMessage =
  | { type: 'ready'; transactions: Array<{ name: string; weight: number }> }
  | {
      type: 'batch';
      thread: number;
      records: Float64Array;
      /** `tx\tcode` → failed attempts. */
      errors: Array<[string, number]>;
      retries: number[];
      reconnects: number;
      /** Arrivals per second of the schedule (open loop): [second, count]. */
      offered: Array<[number, number]>;
      dropped: number;
      busy: number;
      queued: number;
      /** Event-loop utilisation since the last batch, 0..1. */
      elu: number;
    }
  | { type: 'done'; thread: number; eventLoopLagP99Ms: number; eventLoopLagMaxMs: number }
  | { type: 'fatal'; thread: number; message: string; code?: string };

export type MainMessage = { type: 'start'; epochMs: number } | { type: 'stop' };
