import { Pool } from 'undici';
import { classifyError, classifyStatus } from '../error-codes.js';
import type { ConnectionTimings } from '../recorder.js';
import type { SourceChoice } from './source-picker.js';
import type { Outcome, Transport } from './transport.js';
import { authorityOf } from '../http-request.js';
import type { LoadJob } from '../load-engine.js';
import type { ErrorCode } from '../../result/error-codes.js';

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
export function createKeepaliveTransport(
  job: LoadJob,
  sources: readonly (string | null)[],
  connectionsPerSource: number,
  now: () => number,
): Transport {
  const { target, timeoutMs } = job;
  const origins = target.destinations.map((d) => `${target.protocol}://${authorityOf(d.host, d.port)}`);
  const { path, method, body } = target.http;
  const pools = sources.map((localAddress) =>
    origins.map(
      (origin) =>
        new Pool(origin, {
          connections: connectionsPerSource,
          pipelining: 1,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          // undici hands each connect() the Client's own localAddress, overriding one set in `connect`.
          ...(localAddress === null ? {} : { localAddress }),
          connect: { timeout: timeoutMs, rejectUnauthorized: !job.insecure },
        }),
    ),
  );
  let turn = 0;
  let aborting = false;
  const headers = target.http.headers.flatMap(([name, value]) => [name, value]);

  function send(source: SourceChoice, intendedMs: number, done: (outcome: Outcome) => void): void {
    const t: ConnectionTimings = { intendedMs, startMs: now(), connectedMs: null, firstByteMs: null, doneMs: null };
    const perSource = pools[source.sourceIndex]!;
    const pool = perSource[turn % perSource.length]!;
    turn++;
    pool
      .request({ path, method: method as 'GET', headers, body })
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
