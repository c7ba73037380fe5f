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

/** What every connection of one transport shares. */
interface ChurnContext {
  /** The load: its target (what to send, where, how to read the answer), close policy and timeout. */
  readonly job: LoadJob;
  readonly now: () => number;
  /** The attempts in flight, so an interrupted run can end them after its grace. */
  readonly inFlight: Set<ChurnConnection>;
}

/**
 * One attempt: its socket, its timings and how far it got, with a short handler per socket event
 * (as wrk's `struct connection` with its callbacks). The attempt is reported exactly once.
 */
class ChurnConnection {
  private readonly socket: Socket;
  private readonly t: ConnectionTimings;
  private readonly reader: ResponseReader | null;
  private readonly timer: NodeJS.Timeout;
  private received = 0;
  /** undefined: no complete response yet; null: a complete, good one; else its error code. */
  private responseCode: ErrorCode | null | undefined;
  private reported = false;

  constructor(
    private readonly ctx: ChurnContext,
    destination: { readonly host: string; readonly port: number },
    source: SourceChoice,
    intendedMs: number,
    private readonly done: (outcome: Outcome) => void,
  ) {
    const { job, now } = ctx;
    const { target } = job;
    const secure = target.protocol === 'https';
    this.t = { intendedMs, startMs: now(), connectedMs: null, firstByteMs: null, doneMs: null };
    this.socket = openSocket({
      secure,
      host: destination.host,
      port: destination.port,
      localAddress: source.address,
      localPort: source.port,
      // Plain HTTP writes its whole request once, so Nagle never holds it back and TCP_NODELAY
      // would only add a setsockopt() per connection; TLS writes after its handshake, where it would.
      noDelay: secure,
      insecure: job.insecure,
      servername: target.servername,
    });
    this.reader = target.protocol === 'tcp' ? null : new ResponseReader(target.headRequest);
    this.timer = setTimeout(() => this.fail('TIMEOUT'), job.timeoutMs);
    ctx.inFlight.add(this);
    this.socket.once(secure ? 'secureConnect' : 'connect', () => this.onConnected());
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('error', (error) => this.onError(error));
    this.socket.on('close', () => this.onClose());
  }

  /** Ends the attempt now with `code` (a timeout, an error, an abort). */
  fail(code: ErrorCode): void {
    if (this.reported) return;
    this.socket.destroy();
    this.report({ ok: false, code, atMs: this.ctx.now(), timings: this.t });
  }

  private report(outcome: Outcome): void {
    if (this.reported) return;
    this.reported = true;
    clearTimeout(this.timer);
    this.ctx.inFlight.delete(this);
    this.done(outcome);
  }

  /** The attempt is over once the response is complete and the connection is ended as planned. */
  private finish(): void {
    const code = this.responseCode;
    if (code === undefined) return;
    if (code === null) this.report({ ok: true, timings: this.t as ConnectionTimings & { doneMs: number } });
    else {
      const status = this.reader && this.reader.status ? { status: this.reader.status } : {};
      this.report({ ok: false, code, atMs: this.t.doneMs ?? this.ctx.now(), timings: this.t, ...status });
    }
  }

  private responseComplete(code: ErrorCode | null): void {
    this.t.doneMs = this.ctx.now();
    this.responseCode = code;
    const close = this.ctx.job.close;
    if (close === 'client') {
      // We send the first FIN: TIME_WAIT (60 s on Linux) stays with our source port.
      this.socket.destroy();
      this.finish();
    } else if (close === 'reset') {
      // SO_LINGER 0 then close(): an RST, so neither side keeps a TIME_WAIT.
      this.socket.resetAndDestroy();
      this.finish();
    } else if (this.socket.readableEnded) {
      this.socket.destroy();
      this.finish();
    }
    // close === 'server': wait for the server's FIN ('end'); it keeps the TIME_WAIT.
  }

  private onConnected(): void {
    const { request, expectBytes } = this.ctx.job.target;
    this.t.connectedMs = this.ctx.now();
    if (this.reader) this.socket.write(request!);
    else if (expectBytes === 0) this.tcpCloseAfterConnect();
    else if (request) this.socket.write(request);
  }

  /** tcp:// with nothing to read: the attempt is the connection (and the payload, if any). */
  private tcpCloseAfterConnect(): void {
    const { request } = this.ctx.job.target;
    if (this.ctx.job.close === 'server') {
      if (request) this.socket.write(request);
      this.responseComplete(null);
    } else if (request) {
      // Let the payload leave before closing; destroy() would drop a queued write.
      this.socket.write(request, () => this.responseComplete(null));
    } else {
      this.responseComplete(null);
    }
  }

  private onData(chunk: Buffer): void {
    if (this.t.firstByteMs === null) this.t.firstByteMs = this.ctx.now();
    if (this.responseCode !== undefined) return;
    if (this.reader) {
      const state = this.reader.push(chunk);
      if (state === 'done') this.responseComplete(classifyStatus(this.reader.status));
      else if (state === 'error') this.fail('BAD_RESPONSE');
    } else {
      this.received += chunk.length;
      if (this.received >= this.ctx.job.target.expectBytes) this.responseComplete(null);
    }
  }

  private onEnd(): void {
    if (this.responseCode === undefined) {
      if (this.reader && this.reader.end() === 'done') this.responseComplete(classifyStatus(this.reader.status));
      else return this.fail('CLOSED_EARLY');
    }
    this.socket.destroy();
    this.finish();
  }

  private onError(error: Error): void {
    // After a complete response, an error while closing changes nothing that was measured.
    if (this.responseCode !== undefined) return this.finish();
    this.fail(classifyError(error));
  }

  private onClose(): void {
    if (this.responseCode === undefined) this.fail('CLOSED_EARLY');
    else this.finish();
  }
}

/**
 * One connection per attempt on a raw socket: connect, write the pre-serialised request, read
 * just enough to find the end of the response, then end the connection the way `close` says.
 * This is the fast path for one-request connections (bench/transport measures it against
 * undici); who sends the first FIN decides which side keeps the TIME_WAIT, so the close is
 * done here by hand rather than left to an HTTP client.
 */
export function createChurnTransport(job: LoadJob, now: () => number): Transport {
  const ctx: ChurnContext = { job, now, inFlight: new Set() };
  const { destinations } = job.target;
  const turnOf = destinationTurns(destinations.length);
  return {
    send: (source, intendedMs, done) => {
      const destination = destinations[turnOf(source.sourceIndex)]!;
      new ChurnConnection(ctx, destination, source, intendedMs, done);
    },
    abortInFlight: () => {
      for (const connection of [...ctx.inFlight]) connection.fail('ABORTED');
    },
    close: async () => {},
  };
}
