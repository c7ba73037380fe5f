import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { classifyError, classifyStatus } from './error-codes.js';
import type { ConnectionTimings } from './recorder.js';
import { ResponseReader } from './response-reader.js';
import type { SourceChoice } from './source-picker.js';
import type { Outcome, Transport } from './transport.js';
import type { ErrorCode } from '../result/error-codes.js';

/** What every request of a raw keepalive run sends. */
export interface RawKeepaliveSpec {
  readonly protocol: 'http' | 'https';
  readonly destinations: readonly { readonly host: string; readonly port: number }[];
  readonly servername: string | null;
  /** The serialised request (without `Connection: close`). */
  readonly request: Buffer;
  readonly headRequest: boolean;
  readonly timeoutMs: number;
  readonly insecure: boolean;
  /** Most connections open at once per (source, destination): the concurrency divided among them. */
  readonly connectionsPerKey: number;
}

/** The request running on a connection. */
interface Request {
  readonly t: ConnectionTimings;
  readonly done: (outcome: Outcome) => void;
}

/**
 * A connection kept for reuse. Its reader and its timer live as long as it does: a request
 * resets the one and refreshes the other, so a reused connection costs no new objects but the
 * request's timings (at 70,000 requests/s every allocation shows).
 */
interface Conn {
  readonly socket: Socket;
  readonly key: string;
  readonly reader: ResponseReader;
  readonly timer: NodeJS.Timeout;
  connected: boolean;
  req: Request | null;
}

/**
 * Keepalive on raw sockets: idle connections are kept per (source address, destination) and the
 * next request on a key takes one, opens one while the key is under its cap, or waits for one.
 * The pre-serialised request is written and the response read with the same minimal reader as
 * the churn path. A connection the server asks to close (`Connection: close`, HTTP/1.0) or that
 * fails is not reused. bench/ measured it against undici's pool, which stays available as
 * `--keepalive-client undici`.
 */
export function createRawKeepaliveTransport(spec: RawKeepaliveSpec, now: () => number): Transport {
  const idle = new Map<string, Conn[]>();
  const all = new Set<Conn>();
  const openCount = new Map<string, number>();
  // Requests waiting for a connection of their key to come free (the key is at its cap).
  const waiting = new Map<string, Request[]>();
  let turn = 0;

  const finish = (conn: Conn, outcome: Outcome): void => {
    const req = conn.req;
    conn.req = null;
    req?.done(outcome);
  };

  /** A connection is free again: the next waiting request of its key takes it, or it goes idle. */
  const release = (conn: Conn): void => {
    const next = waiting.get(conn.key)?.shift();
    if (next) return start(conn, next);
    const list = idle.get(conn.key);
    if (list) list.push(conn);
    else idle.set(conn.key, [conn]);
  };

  const open = (sourceAddress: string | null, destIndex: number, key: string): Conn => {
    const d = spec.destinations[destIndex]!;
    const options = { host: d.host, port: d.port, noDelay: true, ...(sourceAddress === null ? {} : { localAddress: sourceAddress }) };
    const socket: Socket =
      spec.protocol === 'https'
        ? tlsConnect({ ...options, rejectUnauthorized: !spec.insecure, ...(spec.servername ? { servername: spec.servername } : {}) })
        : netConnect(options);
    const timer = setTimeout(() => {
      if (!conn.req) return; // idle: nothing to time out
      socket.destroy();
      finish(conn, { ok: false, code: 'TIMEOUT', atMs: now(), timings: conn.req.t });
    }, spec.timeoutMs);
    const conn: Conn = { socket, key, reader: new ResponseReader(spec.headRequest), timer, connected: false, req: null };
    all.add(conn);
    openCount.set(key, (openCount.get(key) ?? 0) + 1);
    const drop = (code: ErrorCode): void => {
      if (!all.delete(conn)) return;
      clearTimeout(timer);
      openCount.set(key, (openCount.get(key) ?? 1) - 1);
      const list = idle.get(key);
      const i = list ? list.indexOf(conn) : -1;
      if (i >= 0) list!.splice(i, 1);
      if (conn.req) finish(conn, { ok: false, code, atMs: now(), timings: conn.req.t });
      // Someone waiting for this key can have a new connection now.
      const next = waiting.get(key)?.shift();
      if (next) start(open(sourceAddress, destIndex, key), next);
    };
    socket.once(spec.protocol === 'https' ? 'secureConnect' : 'connect', () => {
      conn.connected = true;
      if (conn.req) {
        conn.req.t.connectedMs = now();
        socket.write(spec.request);
      }
    });
    socket.on('data', (chunk: Buffer) => {
      const req = conn.req;
      if (!req) return;
      if (req.t.firstByteMs === null) req.t.firstByteMs = now();
      const state = conn.reader.push(chunk);
      if (state === 'more') return;
      if (state === 'error') {
        socket.destroy();
        return finish(conn, { ok: false, code: 'BAD_RESPONSE', atMs: now(), timings: req.t });
      }
      req.t.doneMs = now();
      const status = conn.reader.status;
      const code = classifyStatus(status);
      const closing = conn.reader.closeRequested;
      conn.req = null;
      // Reused unless the server asked to close; then we close it.
      if (closing) socket.destroy();
      else release(conn);
      if (code === null) req.done({ ok: true, timings: req.t as ConnectionTimings & { doneMs: number } });
      else req.done({ ok: false, code, atMs: req.t.doneMs, timings: req.t, status });
    });
    socket.on('error', (error) => drop(classifyError(error)));
    socket.on('close', () => drop('CLOSED_EARLY'));
    return conn;
  };

  /** Runs one request on `conn`. */
  function start(conn: Conn, req: Request): void {
    conn.req = req;
    conn.reader.reset();
    conn.timer.refresh();
    if (conn.connected) conn.socket.write(spec.request);
    // Not connected yet: the 'connect' handler writes it.
  }

  function send(source: SourceChoice, intendedMs: number, done: (outcome: Outcome) => void): void {
    const destIndex = turn;
    turn = (turn + 1) % spec.destinations.length;
    const key = `${source.sourceIndex}:${destIndex}`;
    const req: Request = { t: { intendedMs, startMs: now(), connectedMs: null, firstByteMs: null, doneMs: null }, done };
    const reused = idle.get(key)?.pop();
    if (reused) return start(reused, req);
    if ((openCount.get(key) ?? 0) < spec.connectionsPerKey) return start(open(source.address, destIndex, key), req);
    // At the cap: wait for one of this key's connections (the time waited counts in the latency).
    const list = waiting.get(key);
    if (list) list.push(req);
    else waiting.set(key, [req]);
  }

  return {
    send,
    abortInFlight: () => {
      for (const list of waiting.values()) {
        for (const req of list) req.done({ ok: false, code: 'ABORTED', atMs: now(), timings: req.t });
      }
      waiting.clear();
      for (const conn of [...all]) {
        if (!conn.req) continue;
        finish(conn, { ok: false, code: 'ABORTED', atMs: now(), timings: conn.req.t });
        conn.socket.destroy();
      }
    },
    close: async () => {
      for (const conn of all) {
        clearTimeout(conn.timer);
        conn.socket.destroy();
      }
      all.clear();
      idle.clear();
    },
  };
}
