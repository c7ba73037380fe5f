import { Pool } from 'undici';
import { classifyError, classifyStatus } from './error-codes.js';
import type { ConnectionTimings } from './recorder.js';
import type { SourceChoice } from './source-picker.js';
import type { Outcome, Transport } from './transport.js';
import type { ErrorCode } from '../result/error-codes.js';

/** What a keepalive reference run sends. */
export interface KeepaliveSpec {
  /** `http://127.0.0.1:8080`, one per destination (IP literal hosts, resolved before the run). */
  readonly origins: readonly string[];
  readonly path: string;
  readonly method: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string | null;
  readonly timeoutMs: number;
  readonly insecure: boolean;
  /** Connections per pool (one pool per source address and destination). */
  readonly connectionsPerSource: number;
}

function undiciCode(error: unknown): ErrorCode {
  const e = error as { code?: string; cause?: unknown } | null;
  if (typeof e?.code === 'string' && e.code.startsWith('UND_ERR') && e.code.endsWith('TIMEOUT')) return 'TIMEOUT';
  if (e?.code === 'UND_ERR_SOCKET') return e.cause ? classifyError(e.cause) : 'ECONNRESET';
  return classifyError(error);
}

/**
 * The keepalive reference: undici pools (one per source address, bound with `localAddress`)
 * that reuse their connections, so a user can see what churn costs against the same target.
 * The connect time is not measured per request here: most requests open no connection.
 */
export function createKeepaliveTransport(spec: KeepaliveSpec, sources: readonly (string | null)[], now: () => number): Transport {
  const pools = sources.map((localAddress) =>
    spec.origins.map(
      (origin) =>
        new Pool(origin, {
          connections: spec.connectionsPerSource,
          pipelining: 1,
          headersTimeout: spec.timeoutMs,
          bodyTimeout: spec.timeoutMs,
          // undici hands each connect() the Client's own localAddress, overriding one set in `connect`.
          ...(localAddress === null ? {} : { localAddress }),
          connect: { timeout: spec.timeoutMs, rejectUnauthorized: !spec.insecure },
        }),
    ),
  );
  let turn = 0;
  let aborting = false;
  const headers = spec.headers.flatMap(([name, value]) => [name, value]);

  function send(source: SourceChoice, intendedMs: number, done: (outcome: Outcome) => void): void {
    const t: ConnectionTimings = { intendedMs, startMs: now(), connectedMs: null, firstByteMs: null, doneMs: null };
    const perSource = pools[source.sourceIndex]!;
    const pool = perSource[turn % perSource.length]!;
    turn++;
    pool
      .request({ path: spec.path, method: spec.method as 'GET', headers, body: spec.body })
      .then(async (response) => {
        t.firstByteMs = now();
        await response.body.dump({ limit: Number.MAX_SAFE_INTEGER });
        t.doneMs = now();
        const code = classifyStatus(response.statusCode);
        if (code === null) done({ ok: true, timings: t as ConnectionTimings & { doneMs: number } });
        else done({ ok: false, code, atMs: t.doneMs, timings: t, status: response.statusCode });
      })
      .catch((error: unknown) => done({ ok: false, code: aborting ? 'ABORTED' : undiciCode(error), atMs: now(), timings: t }));
  }

  return {
    send,
    abortInFlight: () => {
      aborting = true;
      for (const pool of pools.flat()) void pool.destroy();
    },
    close: async () => {
      await Promise.all(pools.flat().map((p) => p.destroy()));
    },
  };
}
