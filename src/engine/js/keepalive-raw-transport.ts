import { destinationTurns } from './destination-turns.js';
import type { Socket } from 'node:net';
import { openSocket } from './open-socket.js';
import { classifyError, classifyStatus } from '../error-codes.js';
import type { ConnectionTimings } from '../recorder.js';
import { ResponseReader } from './response-reader.js';
import type { SourceChoice } from './source-picker.js';
import type { Outcome, Transport } from './transport.js';
import type { LoadJob } from '../load-engine.js';
import type { ErrorCode } from '../../result/error-codes.js';

/** The request running on a connection. */
interface Request {
  readonly t: ConnectionTimings;
  readonly done: (outcome: Outcome) => void;
}

/** One (source address, destination) key: its idle connections, how many are open, who waits. */
class KeyPool {
  readonly idle: KeepaliveConnection[] = [];
  /** Requests waiting for a connection of this key to come free (the key is at its cap). */
  readonly waiting: Request[] = [];
  open = 0;
  constructor(
    readonly sourceAddress: string | null,
    readonly destIndex: number,
  ) {}
}

/** What the connections of one transport share. */
interface KeepaliveContext {
  /** The load: its target (the request, written as is on every reuse), timeout and TLS options. */
  readonly job: LoadJob;
  /** Most connections open at once per (source, destination): the concurrency divided among them. */
  readonly connectionsPerKey: number;
  readonly now: () => number;
  readonly all: Set<KeepaliveConnection>;
}

/**
 * A connection kept for reuse, with a short handler per socket event. Its reader and its timer
 * live as long as it does: a request resets the one and refreshes the other, so a reused
 * connection costs no new objects but the request's timings (at 70,000 requests/s every
 * allocation shows).
 */
class KeepaliveConnection {
  private readonly socket: Socket;
  private readonly reader: ResponseReader;
  private readonly timer: NodeJS.Timeout;
  private connected = false;
  private req: Request | null = null;

  constructor(
    private readonly ctx: KeepaliveContext,
    readonly pool: KeyPool,
  ) {
    const { job } = ctx;
    const { target } = job;
    const d = target.destinations[pool.destIndex]!;
    this.socket = openSocket({
      secure: target.protocol === 'https',
      host: d.host,
      port: d.port,
      localAddress: pool.sourceAddress,
      localPort: 0,
      noDelay: true,
      insecure: job.insecure,
      servername: target.servername,
    });
    this.reader = new ResponseReader(target.headRequest);
    this.timer = setTimeout(() => this.onTimeout(), job.timeoutMs);
    ctx.all.add(this);
    pool.open++;
    this.socket.once(target.protocol === 'https' ? 'secureConnect' : 'connect', () => this.onConnected());
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error) => this.drop(classifyError(error)));
    this.socket.on('close', () => this.drop('CLOSED_EARLY'));
  }

  /** Runs one request on this connection. */
  start(req: Request): void {
    this.req = req;
    this.reader.reset();
    this.timer.refresh();
    if (this.connected) this.socket.write(this.ctx.job.target.request!);
    // Not connected yet: onConnected writes it.
  }

  /** An interrupted run: the request in flight ends as ABORTED, and so does the connection. */
  abort(): void {
    if (!this.req) return;
    this.finish({ ok: false, code: 'ABORTED', atMs: this.ctx.now(), timings: this.req.t });
    this.socket.destroy();
  }

  /** The end of the run: the connection goes, nothing is reported. */
  destroy(): void {
    clearTimeout(this.timer);
    this.socket.destroy();
  }

  private finish(outcome: Outcome): void {
    const req = this.req;
    this.req = null;
    req?.done(outcome);
  }

  private onTimeout(): void {
    if (!this.req) return; // idle: nothing to time out
    this.socket.destroy();
    this.finish({ ok: false, code: 'TIMEOUT', atMs: this.ctx.now(), timings: this.req.t });
  }

  private onConnected(): void {
    this.connected = true;
    if (!this.req) return;
    this.req.t.connectedMs = this.ctx.now();
    this.socket.write(this.ctx.job.target.request!);
  }

  private onData(chunk: Buffer): void {
    const req = this.req;
    if (!req) return;
    const now = this.ctx.now;
    if (req.t.firstByteMs === null) req.t.firstByteMs = now();
    const state = this.reader.push(chunk);
    if (state === 'more') return;
    if (state === 'error') {
      this.socket.destroy();
      return this.finish({ ok: false, code: 'BAD_RESPONSE', atMs: now(), timings: req.t });
    }
    req.t.doneMs = now();
    const status = this.reader.status;
    const code = classifyStatus(status);
    this.req = null;
    // Reused unless the server asked to close; then we close it.
    if (this.reader.closeRequested) this.socket.destroy();
    else release(this);
    if (code === null) req.done({ ok: true, timings: req.t as ConnectionTimings & { doneMs: number } });
    else req.done({ ok: false, code, atMs: req.t.doneMs, timings: req.t, status });
  }

  /** The connection is gone (an error, or closed): its request fails; a waiting one gets a new connection. */
  private drop(code: ErrorCode): void {
    if (!this.ctx.all.delete(this)) return;
    clearTimeout(this.timer);
    const pool = this.pool;
    pool.open--;
    const i = pool.idle.indexOf(this);
    if (i >= 0) pool.idle.splice(i, 1);
    if (this.req) this.finish({ ok: false, code, atMs: this.ctx.now(), timings: this.req.t });
    const next = pool.waiting.shift();
    if (next) new KeepaliveConnection(this.ctx, pool).start(next);
  }
}

/** A connection is free again: the next waiting request of its key takes it, or it goes idle. */
function release(conn: KeepaliveConnection): void {
  const next = conn.pool.waiting.shift();
  if (next) conn.start(next);
  else conn.pool.idle.push(conn);
}

/**
 * Keepalive on raw sockets: idle connections are kept per (source address, destination) and the
 * next request on a key takes one, opens one while the key is under its cap, or waits for one.
 * The pre-serialised request is written and the response read with the same minimal reader as
 * the churn path. A connection the server asks to close (`Connection: close`, HTTP/1.0) or that
 * fails is not reused. bench/ measured it against undici's pool, which stays available as
 * `--keepalive-client undici`.
 */
export function createRawKeepaliveTransport(job: LoadJob, connectionsPerKey: number, now: () => number): Transport {
  const ctx: KeepaliveContext = { job, connectionsPerKey, now, all: new Set() };
  const { destinations } = job.target;
  const pools = new Map<string, KeyPool>();
  const turnOf = destinationTurns(destinations.length);

  function send(source: SourceChoice, intendedMs: number, done: (outcome: Outcome) => void): void {
    const destIndex = turnOf(source.sourceIndex);
    const key = `${source.sourceIndex}:${destIndex}`;
    let pool = pools.get(key);
    if (!pool) pools.set(key, (pool = new KeyPool(source.address, destIndex)));
    const req: Request = { t: { intendedMs, startMs: now(), connectedMs: null, firstByteMs: null, doneMs: null }, done };
    const reused = pool.idle.pop();
    if (reused) return reused.start(req);
    if (pool.open < connectionsPerKey) return new KeepaliveConnection(ctx, pool).start(req);
    // At the cap: wait for one of this key's connections (the time waited counts in the latency).
    pool.waiting.push(req);
  }

  return {
    send,
    abortInFlight: () => {
      for (const pool of pools.values()) {
        for (const req of pool.waiting) req.done({ ok: false, code: 'ABORTED', atMs: now(), timings: req.t });
        pool.waiting.length = 0;
      }
      for (const conn of [...ctx.all]) conn.abort();
    },
    close: async () => {
      for (const conn of ctx.all) conn.destroy();
      ctx.all.clear();
      for (const pool of pools.values()) pool.idle.length = 0;
    },
  };
}
