/**
 * One traffic worker thread: owns its share of the connections and of the offered rate,
 * runs the workload's transactions on them, and streams compact records of what happened
 * to the main thread (bench/traffic/engine.ts), which keeps the histograms.
 *
 * Closed loop: each connection starts its next transaction when the last one ends.
 * Open loop: intended start times come from the schedule (schedule.ts), independent of
 * the server; an arrival that finds every connection busy waits in a FIFO queue, and its
 * latency is measured from its intended start, so a stall shows in every transaction
 * scheduled during it (no coordinated omission). Schedule lag (actual − intended start)
 * is recorded beside it, as pgbench -R does.
 */
import { basename } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { shardOf } from '../../db/placement.ts';
import { Rng } from '../../generators/rng.ts';
import { ScriptSession, parseScript } from './pgbench-script.ts';
import { type MainMessage, RECORD_FIELDS, type WorkerConfig, type WorkerMessage } from './protocol.ts';
import { Arrivals, RateProfile } from './schedule.ts';
import type { Db, Transaction, TxContext, WorkloadModule } from './workload.ts';
import { importWorkload } from './workload.ts';

const RETRYABLE = new Set(['40001', '40P01']);

/** node-postgres errors with a SQLSTATE are the statement's; anything else (or class 08/57) lost the connection. */
function classify(err: unknown): { code: string; connection: boolean } {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return { code, connection: code.startsWith('08') || code.startsWith('57P') };
  return { code: typeof code === 'string' ? code : 'connection', connection: true };
}

/**
 * Every column comes back as the text the server sent: a load generator should not spend
 * its CPU turning timestamps into Dates it never reads (parsing them was 5 % of a worker's
 * time, and their garbage most of its 11 % in GC, on the platform mix).
 */
const AS_TEXT = { getTypeParser: () => (value: string) => value };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * One client's connection: to the server, or on a sharded target to every shard, with the
 * shard its current transaction runs on. Routing happens per transaction, not per client,
 * so every client serves every tenant as one client of a single server would: the
 * transaction names its tenant (ctx.tenant) and its statements go to that tenant's shard.
 */
class Connection implements Db {
  private clients: pg.Client[] = [];
  broken = false;
  /** The shard the current transaction runs on, -1 until it names a tenant or sends a statement. */
  shard = -1;
  /** The current transaction named tenants on two shards. */
  crossShard = false;
  /** Where the next transaction that names no tenant runs: the shards in turn. */
  private turn = 0;
  private static names = new Map<string, string>();

  constructor(
    private readonly configs: readonly pg.ClientConfig[],
    private readonly prepared: boolean,
  ) {}

  /** The current shard's client (the only one on a single server). */
  get client(): pg.Client {
    return this.clients[Math.max(0, this.shard)];
  }

  async open(): Promise<void> {
    const clients: pg.Client[] = [];
    try {
      for (const config of this.configs) {
        const client = new pg.Client(config);
        // An idle client whose server went away emits 'error'; the next query reports it.
        client.on('error', () => {
          this.broken = true;
        });
        clients.push(client);
        await client.connect();
      }
    } catch (err) {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      throw err;
    }
    this.clients = clients;
    this.broken = false;
  }

  /** A transaction begins: it has no shard yet. */
  begin(): void {
    this.shard = -1;
    this.crossShard = false;
  }

  /** The transaction touches this tenant's rows (TxContext.tenant). */
  tenant(id: number): void {
    const shard = shardOf(id, this.configs.length);
    if (this.shard < 0) this.shard = shard;
    else if (shard !== this.shard) this.crossShard = true;
  }

  query<R>(sql: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }> {
    if (this.shard < 0) this.shard = this.turn++ % this.configs.length;
    let name: string | undefined;
    if (this.prepared) {
      name = Connection.names.get(sql);
      if (!name) Connection.names.set(sql, (name = `pgscale_${Connection.names.size}`));
    }
    return this.client.query({ name, text: sql, values, types: AS_TEXT }) as unknown as Promise<{ rows: R[]; rowCount: number | null }>;
  }

  close(): Promise<void> {
    return Promise.all(this.clients.map((c) => c.end().catch(() => undefined))).then(() => undefined);
  }
}

interface RunnableTx {
  name: string;
  weight: number;
  run(conn: Connection, client: ClientState): Promise<unknown>;
}

interface ClientState {
  id: number;
  rng: Rng;
  ctx: TxContext;
  script?: ScriptSession[];
}

async function workloadTransactions(cfg: WorkerConfig): Promise<{ txs: RunnableTx[]; module?: WorkloadModule; state?: unknown }> {
  const spec = cfg.workload;
  if (spec.kind === 'script') {
    const txs = spec.scripts.map((s, i) => {
      return {
        name: basename(s.file),
        weight: s.weight,
        run: (conn: Connection, client: ClientState) => client.script![i].run((sql, values) => conn.query(sql, values), sleep),
      };
    });
    return { txs };
  }
  const module = await importWorkload(spec.path);
  const state = module.setup ? await module.setup(cfg.params) : undefined;
  const txs = module.transactions.map((t: Transaction) => ({
    name: t.name,
    weight: t.weight,
    run: (conn: Connection, client: ClientState) => t.run(conn, client.rng, client.ctx),
  }));
  return { txs, module, state };
}

async function main(): Promise<void> {
  const cfg = workerData as WorkerConfig;
  const port = parentPort!;
  const post = (m: WorkerMessage, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer ?? []);
  const lagMonitor = monitorEventLoopDelay({ resolution: 10 });

  const { txs, state } = await workloadTransactions(cfg);
  const parsedScripts = cfg.workload.kind === 'script' ? cfg.workload.scripts.map((s) => parseScript(s.text, s.file, s.weight)) : [];
  const cumulative: number[] = [];
  let total = 0;
  for (const t of txs) cumulative.push((total += t.weight));

  // Timeline, in ms on this thread's clock, set by 'start'.
  let t0 = 0;
  let measureEndMs = 0;
  let stopping = false;
  const nowS = () => (performance.now() - t0) / 1000;

  // Records, flushed every 100 ms.
  let buf = new Float64Array(RECORD_FIELDS * 4096);
  let n = 0;
  let errors = new Map<string, number>();
  let retries = new Array<number>(txs.length).fill(0);
  let reconnects = 0;
  let offered = new Map<number, number>();
  let dropped = 0;
  let busy = 0;
  let fatal: { message: string; code?: string } | undefined;
  const record = (tx: number, endS: number, latencyMs: number, lagMs: number, ok: boolean, conn: Connection) => {
    if (n + RECORD_FIELDS > buf.length) {
      const bigger = new Float64Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    buf[n] = tx;
    buf[n + 1] = endS;
    buf[n + 2] = latencyMs;
    buf[n + 3] = lagMs;
    buf[n + 4] = ok ? 1 : 0;
    buf[n + 5] = conn.shard;
    buf[n + 6] = conn.crossShard ? 1 : 0;
    n += RECORD_FIELDS;
  };
  let lastElu = performance.eventLoopUtilization();
  const queue: number[] = [];
  let qHead = 0;
  const flush = () => {
    const records = buf.slice(0, n);
    n = 0;
    const elu = performance.eventLoopUtilization(lastElu);
    lastElu = performance.eventLoopUtilization();
    post(
      { type: 'batch', thread: cfg.thread, records, errors: [...errors], retries, reconnects, offered: [...offered], dropped, busy, queued: queue.length - qHead, elu: elu.utilization },
      [records.buffer as ArrayBuffer],
    );
    errors = new Map();
    retries = new Array<number>(txs.length).fill(0);
    reconnects = 0;
    offered = new Map();
    dropped = 0;
  };

  // Open every connection before saying ready: connection set-up is not measured.
  const conns: Connection[] = [];
  const clients: ClientState[] = [];
  for (let i = 0; i < cfg.clients; i++) {
    const conn = new Connection(cfg.connections, cfg.preparedStatements);
    if (!cfg.connectPerTransaction) await conn.open();
    conns.push(conn);
    const id = cfg.firstClientId + i;
    const clientState: ClientState = {
      id,
      rng: new Rng(cfg.seed, 0x74726166, id),
      ctx: { params: cfg.params, clientId: id, now: () => new Date(cfg.params.clockStartMs + (performance.now() - t0)), state, tenant: (tenant) => conn.tenant(tenant) },
    };
    if (parsedScripts.length) {
      clientState.script = parsedScripts.map((s) => new ScriptSession(s, { ...cfg.scriptVars, client_id: id }, () => clientState.rng.next()));
    }
    clients.push(clientState);
  }

  /** Re-open a lost connection, retrying until the server answers or the timeout says it is gone. */
  const reconnect = async (conn: Connection) => {
    await conn.close();
    const giveUp = performance.now() + cfg.reconnectTimeoutMs;
    for (;;) {
      try {
        await conn.open();
        reconnects++;
        return;
      } catch (err) {
        if (performance.now() > giveUp || stopping) {
          fatal ??= { message: `the server has not accepted a connection for ${(cfg.reconnectTimeoutMs / 1000).toFixed(0)} s: ${(err as Error).message}`, code: classify(err).code };
          throw err;
        }
        await sleep(250);
      }
    }
  };

  const pick = (rng: Rng) => {
    if (txs.length === 1) return 0;
    const r = rng.next() * total;
    let i = 0;
    while (cumulative[i] <= r && i < cumulative.length - 1) i++;
    return i;
  };

  /** One transaction with retries; returns whether it succeeded. Throws only when the server is gone. */
  const execute = async (conn: Connection, client: ClientState, tx: number): Promise<boolean> => {
    for (let attempt = 1; ; attempt++) {
      try {
        if (cfg.connectPerTransaction) await conn.open();
        else if (conn.broken) await reconnect(conn);
        conn.begin();
        try {
          await txs[tx].run(conn, client);
        } finally {
          if (cfg.connectPerTransaction) await conn.close();
        }
        return true;
      } catch (err) {
        if (fatal) throw err;
        // Connections cut at the end of the drain: not the transaction's fault, not recorded.
        if (stopping && conn.broken) return false;
        const { code, connection } = classify(err);
        // The warm-up's failures are left out, like its latencies.
        const measuring = performance.now() >= t0 + cfg.warmupSeconds * 1000;
        const key = `${tx}\t${code}`;
        if (measuring) errors.set(key, (errors.get(key) ?? 0) + 1);
        if (connection) {
          // Per-transaction connections: a refused connect is this transaction's failure.
          if (!cfg.connectPerTransaction) await reconnect(conn);
          return false;
        }
        // Leave the connection outside any transaction the failed one opened (one opened
        // per transaction is closed already).
        if (!cfg.connectPerTransaction) {
          try {
            await conn.client.query('ROLLBACK');
          } catch {
            conn.broken = true;
          }
        }
        if (RETRYABLE.has(code) && attempt < cfg.maxTries) {
          if (measuring) retries[tx]++;
          continue;
        }
        return false;
      }
    }
  };

  const flushTimer = setInterval(flush, 100);
  const started = new Promise<void>((resolveStart) => {
    port.on('message', (m: MainMessage) => {
      if (m.type === 'start') {
        t0 = m.epochMs - performance.timeOrigin;
        measureEndMs = t0 + (cfg.warmupSeconds + cfg.durationSeconds) * 1000;
        resolveStart();
      } else if (m.type === 'stop') {
        stopping = true;
      }
    });
  });
  post({ type: 'ready', transactions: txs.map((t) => ({ name: t.name, weight: t.weight })) });
  await started;
  const wait = t0 - performance.now();
  if (wait > 0) await sleep(wait);
  lagMonitor.enable();

  try {
    if (cfg.mode === 'closed') {
      await Promise.all(
        conns.map(async (conn, i) => {
          const client = clients[i];
          while (!stopping && !fatal && performance.now() < measureEndMs) {
            const tx = pick(client.rng);
            const start = performance.now();
            busy++;
            const ok = await execute(conn, client, tx).finally(() => busy--);
            const end = performance.now();
            record(tx, (end - t0) / 1000, end - start, 0, ok, conn);
          }
        }),
      );
    } else {
      await openLoop();
    }
  } catch (err) {
    fatal ??= { message: (err as Error).message, code: classify(err).code };
  }

  async function openLoop(): Promise<void> {
    const rng = new Rng(cfg.seed, 0x61727276, cfg.stream);
    const profile = new RateProfile(cfg.initialRate, cfg.stages, cfg.share);
    const arrivals = new Arrivals(profile, cfg.arrivals, () => rng.next(), cfg.phase);
    const idle = [...conns.keys()];
    /** Connection → the transaction it is running. */
    const running = new Map<number, number>();
    let inFlight = 0;
    let next = arrivals.next();
    const windowEndS = cfg.warmupSeconds + cfg.durationSeconds;
    const drainEndMs = measureEndMs + cfg.drainSeconds * 1000;
    let wake: (() => void) | undefined;

    const start = (ci: number, intendedS: number) => {
      const conn = conns[ci];
      const client = clients[ci];
      const tx = pick(client.rng);
      const startMs = performance.now();
      const intendedMs = t0 + intendedS * 1000;
      running.set(ci, tx);
      inFlight++;
      busy++;
      void execute(conn, client, tx).then(
        (ok) => {
          const end = performance.now();
          if (!(stopping && conn.broken)) record(tx, (end - t0) / 1000, end - intendedMs, Math.max(0, startMs - intendedMs), ok, conn);
          running.delete(ci);
          inFlight--;
          busy--;
          if (qHead < queue.length && !stopping && !fatal && performance.now() < drainEndMs) start(ci, queue[qHead++]);
          else idle.push(ci);
          wake?.();
        },
        (err) => {
          inFlight--;
          busy--;
          fatal ??= { message: (err as Error).message, code: classify(err).code };
          wake?.();
        },
      );
    };

    for (;;) {
      const now = nowS();
      // Everything due by now joins the queue, in order; the schedule never waits for the server.
      while (next <= now && next < windowEndS) {
        const sec = Math.floor(next - cfg.warmupSeconds);
        if (sec >= 0) offered.set(sec, (offered.get(sec) ?? 0) + 1);
        if (queue.length - qHead < cfg.maxQueue) queue.push(next);
        // Only drops in the measurement window count (the warm-up's are not reported).
        else if (sec >= 0) dropped++;
        next = arrivals.next();
      }
      if (qHead > 65_536 && qHead * 2 > queue.length) {
        queue.splice(0, qHead);
        qHead = 0;
      }
      while (idle.length && qHead < queue.length && !stopping && !fatal) start(idle.pop()!, queue[qHead++]);
      const scheduleDone = next >= windowEndS || stopping || fatal;
      if (scheduleDone && (qHead >= queue.length || performance.now() >= drainEndMs || stopping || fatal) && inFlight === 0) break;
      if (scheduleDone && performance.now() >= drainEndMs + cfg.drainSeconds * 1000) break;
      // Sleep until the next arrival or until a connection frees up (Node's timers: 1 ms resolution).
      const untilNext = scheduleDone ? 50 : (next - nowS()) * 1000;
      await new Promise<void>((r) => {
        const timer = setTimeout(() => {
          wake = undefined;
          r();
        }, Math.max(1, Math.min(untilNext, 50)));
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          r();
        };
      });
    }
    // Never started: the run ended (or was stopped) with them still queued.
    dropped += queue.length - qHead;
    // Still running past the drain: recorded as unfinished failures, their connections closed.
    if (inFlight > 0) {
      for (const [ci, tx] of running) {
        errors.set(`${tx}\tunfinished`, (errors.get(`${tx}\tunfinished`) ?? 0) + 1);
        conns[ci].broken = true;
      }
      stopping = true;
      for (const ci of running.keys()) (conns[ci].client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    }
  }

  lagMonitor.disable();
  clearInterval(flushTimer);
  busy = 0;
  flush();
  await Promise.all(conns.map((c) => c.close()));
  if (fatal) post({ type: 'fatal', thread: cfg.thread, message: fatal.message, code: fatal.code });
  post({ type: 'done', thread: cfg.thread, eventLoopLagP99Ms: lagMonitor.count ? lagMonitor.percentile(99) / 1e6 : 0, eventLoopLagMaxMs: lagMonitor.count ? lagMonitor.max / 1e6 : 0 });
}

main().catch((err: Error) => {
  parentPort!.postMessage({ type: 'fatal', thread: (workerData as WorkerConfig).thread, message: err.message, code: classify(err).code } satisfies WorkerMessage);
});
