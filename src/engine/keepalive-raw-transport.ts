import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { classifyError, classifyStatus, type ErrorCode } from './error-codes.js';
import type { ConnectionTimings } from './recorder.js';
import { ResponseReader } from './response-reader.js';
import type { SourceChoice } from './source-picker.js';
import type { Outcome, Transport } from './transport.js';

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

/** A connection kept for reuse, and the request on it now (if any). */
interface Conn {
  readonly socket: Socket;
  readonly key: string;
  connected: boolean;
  current: { onData(chunk: Buffer): void; onGone(code: ErrorCode): void } | null;
}

/**
 * Keepalive on raw sockets: idle connections are kept per (source address, destination) and the
 * next request on a key takes one, else opens a new one; the pre-serialised request is written
 * and the response read with the same minimal reader as the churn path. A connection the server
 * asks to close (`Connection: close`, HTTP/1.0) or that fails is not reused. bench/ measured it
 * against undici's pool, which stays available as `--keepalive-client undici`.
 */
export function createRawKeepaliveTransport(spec: RawKeepaliveSpec, now: () => number): Transport {
  const idle = new Map<string, Conn[]>();
  const all = new Set<Conn>();
  const openCount = new Map<string, number>();
  // Requests waiting for a connection of their key to come free (the key is at its cap).
  const waiting = new Map<string, ((conn: Conn) => void)[]>();
  let turn = 0;

  /** A connection is free again: the next waiting request of its key takes it, or it goes idle. */
  const release = (conn: Conn): void => {
    conn.current = null;
    const next = waiting.get(conn.key)?.shift();
    if (next) return next(conn);
    const list = idle.get(conn.key) ?? [];
    list.push(conn);
    idle.set(conn.key, list);
  };
  /** A connection is gone: a waiting request of its key may open a new one. */
  const forget = (key: string): void => {
    openCount.set(key, (openCount.get(key) ?? 1) - 1);
  };

  const open = (source: SourceChoice, destIndex: number, key: string): Conn => {
    const d = spec.destinations[destIndex]!;
    const options = { host: d.host, port: d.port, noDelay: true, ...(source.address === null ? {} : { localAddress: source.address }) };
    const socket: Socket =
      spec.protocol === 'https'
        ? tlsConnect({ ...options, rejectUnauthorized: !spec.insecure, ...(spec.servername ? { servername: spec.servername } : {}) })
        : netConnect(options);
    const conn: Conn = { socket, key, connected: false, current: null };
    all.add(conn);
    openCount.set(key, (openCount.get(key) ?? 0) + 1);
    const drop = (code: ErrorCode): void => {
      if (!all.delete(conn)) return;
      forget(key);
      const list = idle.get(key);
      if (list) {
        const i = list.indexOf(conn);
        if (i >= 0) list.splice(i, 1);
      }
      const current = conn.current;
      conn.current = null;
      current?.onGone(code);
      // Someone waiting for this key can have a new connection now.
      const next = waiting.get(key)?.shift();
      if (next) next(open(source, destIndex, key));
    };
    socket.on('data', (chunk: Buffer) => conn.current?.onData(chunk));
    socket.on('error', (error) => drop(classifyError(error)));
    socket.on('end', () => drop('CLOSED_EARLY'));
    socket.on('close', () => drop('CLOSED_EARLY'));
    return conn;
  };

  function send(source: SourceChoice, intendedMs: number, done: (outcome: Outcome) => void): void {
    const destIndex = turn;
    turn = (turn + 1) % spec.destinations.length;
    const key = `${source.sourceIndex}:${destIndex}`;
    const t: ConnectionTimings = { intendedMs, startMs: now(), connectedMs: null, firstByteMs: null, doneMs: null };
    const reused = idle.get(key)?.pop();
    if (reused) return start(reused, t, done);
    if ((openCount.get(key) ?? 0) < spec.connectionsPerKey) return start(open(source, destIndex, key), t, done);
    // At the cap: wait for one of this key's connections (the time waited counts in the latency).
    const list = waiting.get(key) ?? [];
    list.push((conn) => start(conn, t, done));
    waiting.set(key, list);
  }

  /** Runs one request on `conn`. */
  function start(conn: Conn, t: ConnectionTimings, done: (outcome: Outcome) => void): void {
    const reader = new ResponseReader(spec.headRequest);
    let reported = false;
    const report = (outcome: Outcome): void => {
      if (reported) return;
      reported = true;
      clearTimeout(timer);
      done(outcome);
    };
    const timer = setTimeout(() => {
      conn.current = null;
      conn.socket.destroy();
      report({ ok: false, code: 'TIMEOUT', atMs: now(), timings: t });
    }, spec.timeoutMs);
    conn.current = {
      onData: (chunk) => {
        if (t.firstByteMs === null) t.firstByteMs = now();
        const state = reader.push(chunk);
        if (state === 'more') return;
        if (state === 'error') {
          conn.current = null;
          conn.socket.destroy();
          return report({ ok: false, code: 'BAD_RESPONSE', atMs: now(), timings: t });
        }
        t.doneMs = now();
        const code = classifyStatus(reader.status);
        // Reused unless the server asked to close; then we close it.
        if (reader.closeRequested) {
          conn.current = null;
          conn.socket.destroy();
        } else release(conn);
        if (code === null) report({ ok: true, timings: t as ConnectionTimings & { doneMs: number } });
        else report({ ok: false, code, atMs: t.doneMs, timings: t, status: reader.status });
      },
      onGone: (code) => report({ ok: false, code, atMs: now(), timings: t }),
    };
    if (conn.connected) conn.socket.write(spec.request);
    else {
      conn.socket.once(spec.protocol === 'https' ? 'secureConnect' : 'connect', () => {
        conn.connected = true;
        t.connectedMs = now();
        conn.socket.write(spec.request);
      });
    }
  }

  return {
    send,
    abortInFlight: () => {
      waiting.clear();
      for (const conn of [...all]) {
        if (!conn.current) continue;
        const current = conn.current;
        conn.current = null;
        conn.socket.destroy();
        current.onGone('ABORTED');
      }
    },
    close: async () => {
      for (const conn of all) conn.socket.destroy();
      all.clear();
      idle.clear();
    },
  };
}
