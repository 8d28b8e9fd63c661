/**
 * An in-process TCP proxy on 127.0.0.1 that holds every chunk for a fixed delay in each
 * direction, so a loopback benchmark shows what round trips cost on a real network
 * (0.5 ms per direction is a fast same-zone link, 2 ms a slower or cross-zone one).
 * It also counts, for the measured operation, bytes each way, round trips (client →
 * server turns) and statements (frontend Query and Execute messages: the wire
 * protocol's own count, not the caller's).
 * https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
import { type Server, type Socket, connect, createServer } from 'node:net';
import pg from 'pg';

export interface ProxyCounters {
  bytesToServer: number;
  bytesToClient: number;
  /** Client → server turns: each time the client speaks after the server did. */
  roundTrips: number;
  /** Query ('Q') and Execute ('E') messages; undefined once a stream is encrypted. */
  statements: number | undefined;
  /** Chunks forwarded, and the mean time each was actually held (ms): the delay really applied. */
  chunks: number;
  meanHeldMs: number;
}

export interface DelayProxy {
  host: string;
  port: number;
  /** Added delay per direction, in ms. */
  delayMs: number;
  counters(): ProxyCounters;
  /** Zero the counters (call after connecting, before the operation). */
  reset(): void;
  close(): Promise<void>;
}

export type Upstream = { host: string; port: number } | { path: string };

export interface DelayProxyOptions {
  upstream: Upstream;
  /** Delay per direction, in ms (0: forward at once, still counting). */
  delayMs: number;
}

// Untyped startup-phase request codes (protocol-message-formats: SSLRequest, GSSENCRequest).
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const QUERY = 0x51; // 'Q'
const EXECUTE = 0x45; // 'E'

/** Counts statements in the frontend (client → server) byte stream of one connection. */
class FrontendCounter {
  private startup = true;
  private header = Buffer.alloc(0);
  private skip = 0;
  encrypted = false;
  /** After an SSL/GSS request the server's next byte says whether the stream turns to TLS. */
  awaitingEncryptionAnswer = false;

  constructor(private readonly onStatement: () => void) {}

  feed(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && !this.encrypted) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - off);
        this.skip -= n;
        off += n;
        continue;
      }
      const headerLen = this.startup ? 8 : 5;
      const take = Math.min(headerLen - this.header.length, chunk.length - off);
      this.header = Buffer.concat([this.header, chunk.subarray(off, off + take)]);
      off += take;
      if (this.header.length < headerLen) return;
      if (this.startup) {
        const len = this.header.readInt32BE(0);
        const code = this.header.readInt32BE(4);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) this.awaitingEncryptionAnswer = true;
        else this.startup = false;
        this.skip = len - 8;
      } else {
        if (this.header[0] === QUERY || this.header[0] === EXECUTE) this.onStatement();
        this.skip = this.header.readInt32BE(1) - 4;
      }
      this.header = Buffer.alloc(0);
    }
  }

  /** The server answered the SSL/GSS request: 'S' or 'G' means the rest is encrypted. */
  serverAnswered(firstByte: number): void {
    if (!this.awaitingEncryptionAnswer) return;
    this.awaitingEncryptionAnswer = false;
    if (firstByte === 0x53 || firstByte === 0x47) this.encrypted = true;
  }
}

/** Wait until a performance.now() deadline: a timer for the bulk, then yield-spin for sub-ms precision. */
function waitUntil(due: number, then: () => void): void {
  const left = due - performance.now();
  if (left <= 0) then();
  // Node timers have 1 ms granularity and often fire a millisecond or more late on a busy
  // machine: a timer only for the bulk of a long wait, the last 2–3 ms yield-spin
  // (setImmediate lets socket I/O run between checks).
  else if (left > 3) setTimeout(() => waitUntil(due, then), Math.floor(left - 2));
  else setImmediate(() => waitUntil(due, then));
}

/** One direction of one connection: chunks leave `delayMs` after they arrived, in order. */
function delayedPipe(from: Socket, to: Socket, delayMs: number, onChunk: (buf: Buffer) => void, onSent: (heldMs: number) => void): void {
  const queue: Array<{ buf: Buffer; due: number; at: number }> = [];
  let waiting = false;
  const pump = () => {
    waiting = false;
    while (queue.length > 0 && queue[0].due <= performance.now()) {
      const { buf, at } = queue.shift()!;
      onSent(performance.now() - at);
      if (!to.destroyed && !to.write(buf)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    }
    if (queue.length > 0) {
      waiting = true;
      waitUntil(queue[0].due, pump);
    }
  };
  from.on('data', (buf: Buffer) => {
    onChunk(buf);
    if (delayMs <= 0 && queue.length === 0) {
      onSent(0);
      if (!to.write(buf)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
      return;
    }
    const at = performance.now();
    queue.push({ buf, due: at + delayMs, at });
    if (!waiting) {
      waiting = true;
      waitUntil(queue[0].due, pump);
    }
  });
  // End the other side only after the queued chunks went out.
  from.on('end', () => {
    const finish = () => (queue.length === 0 ? to.end() : setTimeout(finish, Math.max(1, delayMs)));
    finish();
  });
}

/** Start a proxy on 127.0.0.1 (a free port) in front of `upstream`. */
export async function startDelayProxy(opts: DelayProxyOptions): Promise<DelayProxy> {
  const counters = { bytesToServer: 0, bytesToClient: 0, roundTrips: 0, statements: 0 as number | undefined, chunks: 0, heldMs: 0 };
  const sent = (heldMs: number) => {
    counters.chunks++;
    counters.heldMs += heldMs;
  };
  let lastFromClient = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = 'path' in opts.upstream ? connect(opts.upstream.path) : connect(opts.upstream.port, opts.upstream.host);
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      // A reset on one side closes the other; the pg client sees and reports the error.
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    const frontend = new FrontendCounter(() => {
      if (counters.statements !== undefined) counters.statements++;
    });
    delayedPipe(client, upstream, opts.delayMs, (buf) => {
      counters.bytesToServer += buf.length;
      if (!lastFromClient) counters.roundTrips++;
      lastFromClient = true;
      frontend.feed(buf);
      if (frontend.encrypted) counters.statements = undefined;
    }, sent);
    delayedPipe(upstream, client, opts.delayMs, (buf) => {
      counters.bytesToClient += buf.length;
      lastFromClient = false;
      frontend.serverAnswered(buf[0]);
    }, sent);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    host: '127.0.0.1',
    port,
    delayMs: opts.delayMs,
    counters: () => ({
      bytesToServer: counters.bytesToServer,
      bytesToClient: counters.bytesToClient,
      roundTrips: counters.roundTrips,
      statements: counters.statements,
      chunks: counters.chunks,
      meanHeldMs: counters.chunks > 0 ? counters.heldMs / counters.chunks : 0,
    }),
    reset() {
      counters.bytesToServer = 0;
      counters.bytesToClient = 0;
      counters.roundTrips = 0;
      counters.chunks = 0;
      counters.heldMs = 0;
      if (counters.statements !== undefined) counters.statements = 0;
      lastFromClient = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
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
