import { createChurnTransport } from '../engine/churn-transport.js';
import { authorityOf, serializeRequest } from '../engine/http-request.js';
import { createKeepaliveTransport } from '../engine/keepalive-transport.js';
import { createRawKeepaliveTransport } from '../engine/keepalive-raw-transport.js';
import type { Transport } from '../engine/transport.js';
import type { Plan } from '../plan/plan.js';

/** Where the load goes, resolved: IP literal hosts with real ports. */
export interface ResolvedTarget {
  readonly protocol: 'http' | 'https' | 'tcp';
  readonly destinations: readonly { readonly host: string; readonly port: number }[];
  /** Request path with query. */
  readonly path: string;
  /** Host for the Host header and TLS server name: the name the user gave, or the first destination. */
  readonly displayHost: string;
  /** True when the user named the host (so TLS checks that name). */
  readonly named: boolean;
}

/** Connections per (source, destination) pool: the concurrency divided among the pools. */
function keepaliveConnectionsPer(plan: Plan, destinations: number): number {
  const concurrency = plan.load.kind === 'closed' ? plan.load.connections : Math.min(plan.load.maxInFlight, 256);
  return Math.max(1, Math.ceil(concurrency / (Math.max(1, plan.sources.length) * destinations)));
}

/** What each one-request connection sends: the serialised HTTP request, or the TCP payload (or nothing). */
export function churnRequest(plan: Plan, target: ResolvedTarget): Buffer | null {
  if (target.protocol === 'tcp') return plan.tcp.payload === null ? null : Buffer.from(plan.tcp.payload);
  return serializeRequest({
    method: plan.http.method,
    path: target.path,
    authority: authorityOf(target.displayHost, target.destinations[0]!.port),
    headers: plan.http.headers,
    body: plan.http.body,
    close: plan.close,
  });
}

/** The transport a plan calls for: undici pools for keepalive, the raw churn path otherwise. */
export function transportForPlan(plan: Plan, target: ResolvedTarget, now: () => number): Transport {
  const { destinations, protocol } = target;
  if (plan.close === 'keepalive' && plan.keepaliveClient === 'raw' && protocol !== 'tcp') {
    return createRawKeepaliveTransport(
      {
        protocol,
        destinations,
        servername: target.named ? target.displayHost : null,
        request: serializeRequest({
          method: plan.http.method,
          path: target.path,
          authority: authorityOf(target.displayHost, destinations[0]!.port),
          headers: plan.http.headers,
          body: plan.http.body,
          close: 'keepalive',
        }),
        headRequest: plan.http.method === 'HEAD',
        timeoutMs: plan.timeoutMs,
        insecure: plan.insecure,
        connectionsPerKey: keepaliveConnectionsPer(plan, destinations.length),
      },
      now,
    );
  }
  if (plan.close === 'keepalive') {
    return createKeepaliveTransport(
      {
        origins: destinations.map((d) => `${protocol}://${authorityOf(d.host, d.port)}`),
        path: target.path,
        method: plan.http.method,
        headers: plan.http.headers,
        body: plan.http.body,
        timeoutMs: plan.timeoutMs,
        insecure: plan.insecure,
        connectionsPerSource: keepaliveConnectionsPer(plan, destinations.length),
      },
      plan.sources.length === 0 ? [null] : plan.sources,
      now,
    );
  }
  const request = churnRequest(plan, target);
  return createChurnTransport(
    {
      protocol,
      destinations,
      servername: target.named ? target.displayHost : null,
      request,
      expectBytes: plan.tcp.expectBytes,
      headRequest: plan.http.method === 'HEAD',
      close: plan.close,
      timeoutMs: plan.timeoutMs,
      insecure: plan.insecure,
    },
    now,
  );
}
