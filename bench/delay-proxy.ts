/**
 * A TCP proxy on 127.0.0.1 that holds every chunk for a fixed delay in each direction,
 * so a loopback benchmark shows what round trips cost on a real network (0.5 ms per
 * direction is a fast same-zone link, 2 ms a slower or cross-zone one). It also counts,
 * for the measured operation, bytes each way, round trips (client → server turns) and
 * statements (frontend Query and Execute messages: the wire protocol's own count, not
 * the caller's).
 *
 * The proxy runs in a worker thread (delay-proxy-worker.ts): holding chunks to the
 * sub-millisecond needs a short spin before each is due, and on the measured client's
 * own event loop that spin delayed the client's callbacks and inflated the very
 * latencies it was adding to. Counters and reset are messages to that thread.
 */
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { workerUrl } from '../core/module-url.ts';
import type { ProxyCounters, ProxyMessage, ProxyRequest, ProxyWorkerData, Upstream } from './delay-proxy-worker.ts';

export type { ProxyCounters, Upstream } from './delay-proxy-worker.ts';

export interface DelayProxy {
  host: string;
  port: number;
  /** Added delay per direction, in ms. */
  delayMs: number;
  /** The counters since the last reset (asked of the proxy's thread). */
  counters(): Promise<ProxyCounters>;
  /** Zero the counters (call after connecting, before the operation; resolves once done). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface DelayProxyOptions {
  upstream: Upstream;
  /** Delay per direction, in ms (0: forward at once, still counting). */
  delayMs: number;
}

/** Start a proxy on 127.0.0.1 (a free port) in front of `upstream`, in its own thread. */
export async function startDelayProxy(opts: DelayProxyOptions): Promise<DelayProxy> {
  const data: ProxyWorkerData = { upstream: opts.upstream, delayMs: opts.delayMs };
  const worker = new Worker(workerUrl('./delay-proxy-worker.ts', import.meta.url), { workerData: data, execArgv: [] });
  const pending = new Map<number, { resolve: (m: ProxyMessage) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  const port = await new Promise<number>((resolve, reject) => {
    const early = (err: Error) => reject(err);
    worker.once('error', early);
    worker.once('exit', (code) => reject(new Error(`delay proxy worker exited (code ${code}) before listening`)));
    worker.once('message', (m: ProxyMessage) => {
      worker.off('error', early);
      worker.removeAllListeners('exit');
      if (m.type === 'listening') resolve(m.port);
      else reject(new Error(`delay proxy could not listen: ${m.type === 'failed' ? m.message : m.type}`));
    });
  }).catch(async (err: Error) => {
    await worker.terminate();
    throw err;
  });
  worker.on('message', (m: ProxyMessage) => {
    if (!('id' in m)) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    p?.resolve(m);
  });
  // An error in the proxy's thread fails what waits on it; it never goes unhandled.
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`delay proxy worker exited (code ${code})`)));

  const ask = (type: ProxyRequest['type']): Promise<ProxyMessage> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<ProxyMessage>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, type } satisfies ProxyRequest);
    });
  };
  let closed: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    delayMs: opts.delayMs,
    async counters() {
      const m = await ask('counters');
      if (m.type !== 'counters') throw new Error(`delay proxy answered ${m.type} to counters`);
      return m.counters;
    },
    async reset() {
      await ask('reset');
    },
    close() {
      closed ??= (async () => {
        if (!failure) await ask('close').catch(() => undefined);
        await worker.terminate();
      })();
      return closed;
    },
  };
}

/** Where a pg client configuration really connects (host and port, or a Unix socket). */
export function upstreamOf(config: pg.ClientConfig): Upstream {
  // pg resolves connectionString, PG* variables and defaults in its constructor.
  const probe = new pg.Client(config);
  const host = probe.host || 'localhost';
  return host.startsWith('/') ? { path: `${host}/.s.PGSQL.${probe.port}` } : { host, port: probe.port };
}

/** The same connection settings, pointed at the proxy (a connection string would win over host/port). */
export function viaProxy(config: pg.ClientConfig, proxy: Pick<DelayProxy, 'host' | 'port'>): pg.ClientConfig {
  const probe = new pg.Client(config);
  // connectionParameters is pg's resolved view (URL, PG* env, defaults); untyped in @types/pg.
  const p = (probe as unknown as { connectionParameters: unknown }).connectionParameters as { user?: string; database?: string; password?: string; ssl?: pg.ClientConfig['ssl']; application_name?: string };
  return {
    application_name: p.application_name ?? config.application_name,
    connectionTimeoutMillis: config.connectionTimeoutMillis,
    user: p.user,
    database: p.database,
    password: p.password,
    ssl: p.ssl,
    host: proxy.host,
    port: proxy.port,
  };
}
