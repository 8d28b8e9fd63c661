/**
 * The delay proxy itself, run in a worker thread (started by delay-proxy.ts): a TCP
 * server on 127.0.0.1 that holds every chunk for a fixed delay in each direction and
 * counts bytes, round trips and statements on the wire. In its own thread, its timers
 * and sub-millisecond waits do not compete with the measured pg client's event loop.
 * https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
import { type Server, type Socket, connect, createServer } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

export type Upstream = { host: string; port: number } | { path: string };

/** What the worker is started with. */
export interface ProxyWorkerData {
  upstream: Upstream;
  delayMs: number;
}

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

/** Requests from the owning thread, each answered once with the same id. */
export type ProxyRequest = { id: number; type: 'counters' | 'reset' | 'close' };
export type ProxyMessage =
  | { type: 'listening'; port: number }
  | { type: 'failed'; message: string }
  | { id: number; type: 'counters'; counters: ProxyCounters }
  | { id: number; type: 'reset' | 'closed' };

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

/**
 * Wait until a performance.now() deadline: a timer for the bulk, then yield-spin for
 * sub-ms precision. The spin runs on this worker's thread, not on the measured client's
 * event loop, so it no longer delays the client's own callbacks.
 */
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

const port = parentPort;
if (!port) throw new Error('delay-proxy-worker.ts runs as a worker thread: start it with startDelayProxy()');
const opts = workerData as ProxyWorkerData;

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

function snapshot(): ProxyCounters {
  return {
    bytesToServer: counters.bytesToServer,
    bytesToClient: counters.bytesToClient,
    roundTrips: counters.roundTrips,
    statements: counters.statements,
    chunks: counters.chunks,
    meanHeldMs: counters.chunks > 0 ? counters.heldMs / counters.chunks : 0,
  };
}

const post = (m: ProxyMessage) => port.postMessage(m);

port.on('message', (req: ProxyRequest) => {
  switch (req.type) {
    case 'counters':
      post({ id: req.id, type: 'counters', counters: snapshot() });
      return;
    case 'reset':
      counters.bytesToServer = 0;
      counters.bytesToClient = 0;
      counters.roundTrips = 0;
      counters.chunks = 0;
      counters.heldMs = 0;
      if (counters.statements !== undefined) counters.statements = 0;
      lastFromClient = false;
      post({ id: req.id, type: 'reset' });
      return;
    case 'close':
      for (const s of sockets) s.destroy();
      server.close(() => {
        post({ id: req.id, type: 'closed' });
        port.close();
      });
      return;
  }
});

server.once('error', (err) => post({ type: 'failed', message: err.message }));
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  post({ type: 'listening', port: typeof addr === 'object' && addr ? addr.port : 0 });
});
