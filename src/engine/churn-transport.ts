import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ClosePolicy } from '../plan/plan.js';
import { classifyError, classifyStatus } from './error-codes.js';
import type { ConnectionTimings } from './recorder.js';
import { ResponseReader } from './response-reader.js';
import type { SourceChoice } from './source-picker.js';
import type { Outcome, Transport } from './transport.js';
import type { ErrorCode } from '../result/error-codes.js';

/** What every connection of a churn run does. */
export interface ChurnSpec {
  readonly protocol: 'http' | 'https' | 'tcp';
  /** Where connections go, round-robin: IP literals (resolved once before the run, so no lookup per connection). */
  readonly destinations: readonly { readonly host: string; readonly port: number }[];
  /** TLS server name (the target's host name) for https. */
  readonly servername: string | null;
  /** HTTP: the serialised request. TCP: the payload, or null. */
  readonly request: Buffer | null;
  /** TCP: bytes to read before the connection counts as done. */
  readonly expectBytes: number;
  /** HTTP HEAD: the response has no body. */
  readonly headRequest: boolean;
  readonly close: Exclude<ClosePolicy, 'keepalive'>;
  readonly timeoutMs: number;
  readonly insecure: boolean;
}

/**
 * One connection per attempt on a raw socket: connect, write the pre-serialised request, read
 * just enough to find the end of the response, then end the connection the way `close` says.
 * This is the fast path for one-request connections (bench/transport measures it against
 * undici); who sends the first FIN decides which side keeps the TIME_WAIT, so the close is
 * done here by hand rather than left to an HTTP client.
 */
export function createChurnTransport(spec: ChurnSpec, now: () => number): Transport {
  const secure = spec.protocol === 'https';
  const connectedEvent = secure ? 'secureConnect' : 'connect';
  let turn = 0;
  // The fail() of every attempt in flight, so an interrupted run can end them after its grace.
  const inFlight = new Set<(code: ErrorCode) => void>();

  function send(source: SourceChoice, intendedMs: number, done: (outcome: Outcome) => void): void {
    const t: ConnectionTimings = { intendedMs, startMs: now(), connectedMs: null, firstByteMs: null, doneMs: null };
    const destination = spec.destinations[turn]!;
    turn = (turn + 1) % spec.destinations.length;
    const options = {
      host: destination.host,
      port: destination.port,
      // Plain HTTP writes its whole request once, so Nagle never holds it back and TCP_NODELAY
      // would only add a setsockopt() per connection; TLS writes after its handshake, where it would.
      noDelay: secure,
      ...(source.address === null ? {} : { localAddress: source.address }),
      ...(source.port === 0 ? {} : { localPort: source.port }),
    };
    const socket: Socket = secure
      ? tlsConnect({ ...options, rejectUnauthorized: !spec.insecure, ...(spec.servername ? { servername: spec.servername } : {}) })
      : netConnect(options);
    const reader = spec.protocol === 'tcp' ? null : new ResponseReader(spec.headRequest);
    let received = 0;
    let responseCode: ErrorCode | null | undefined; // undefined: no complete response yet
    let reported = false;

    const report = (outcome: Outcome): void => {
      if (reported) return;
      reported = true;
      clearTimeout(timer);
      inFlight.delete(fail);
      done(outcome);
    };
    const fail = (code: ErrorCode): void => {
      if (reported) return;
      socket.destroy();
      report({ ok: false, code, atMs: now(), timings: t });
    };
    // The attempt is over once the response is complete and the connection is ended as planned.
    const finish = (): void => {
      const code = responseCode;
      if (code === undefined) return;
      if (code === null) report({ ok: true, timings: t as ConnectionTimings & { doneMs: number } });
      else report({ ok: false, code, atMs: t.doneMs ?? now(), timings: t, ...(reader && reader.status ? { status: reader.status } : {}) });
    };
    const responseComplete = (code: ErrorCode | null): void => {
      t.doneMs = now();
      responseCode = code;
      if (spec.close === 'client') {
        // We send the first FIN: TIME_WAIT (60 s on Linux) stays with our source port.
        socket.destroy();
        finish();
      } else if (spec.close === 'reset') {
        // SO_LINGER 0 then close(): an RST, so neither side keeps a TIME_WAIT.
        socket.resetAndDestroy();
        finish();
      } else if (socket.readableEnded) {
        socket.destroy();
        finish();
      }
      // close === 'server': wait for the server's FIN ('end'); it keeps the TIME_WAIT.
    };

    const timer = setTimeout(() => fail('TIMEOUT'), spec.timeoutMs);
    inFlight.add(fail);
    socket.once(connectedEvent, () => {
      t.connectedMs = now();
      if (reader) {
        socket.write(spec.request!);
      } else if (spec.expectBytes === 0) {
        tcpCloseAfterConnect();
      } else if (spec.request) {
        socket.write(spec.request);
      }
    });
    const tcpCloseAfterConnect = (): void => {
      if (spec.close === 'server') {
        if (spec.request) socket.write(spec.request);
        responseComplete(null);
      } else if (spec.request) {
        // Let the payload leave before closing; destroy() would drop a queued write.
        socket.write(spec.request, () => responseComplete(null));
      } else {
        responseComplete(null);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      if (t.firstByteMs === null) t.firstByteMs = now();
      if (responseCode !== undefined) return;
      if (reader) {
        const state = reader.push(chunk);
        if (state === 'done') responseComplete(classifyStatus(reader.status));
        else if (state === 'error') fail('BAD_RESPONSE');
      } else {
        received += chunk.length;
        if (received >= spec.expectBytes) responseComplete(null);
      }
    });
    socket.on('end', () => {
      if (responseCode === undefined) {
        if (reader && reader.end() === 'done') responseComplete(classifyStatus(reader.status));
        else return fail('CLOSED_EARLY');
      }
      socket.destroy();
      finish();
    });
    socket.on('error', (error) => {
      // After a complete response, an error while closing changes nothing that was measured.
      if (responseCode !== undefined) return finish();
      fail(classifyError(error));
    });
    socket.on('close', () => {
      if (responseCode === undefined) fail('CLOSED_EARLY');
      else finish();
    });
  }

  return {
    send,
    abortInFlight: () => {
      for (const fail of [...inFlight]) fail('ABORTED');
    },
    close: async () => {},
  };
}
