import { authorityOf, serializeRequest } from '../engine/http-request.js';
import { sourceLabelsOf, type Destination, type LoadJob } from '../engine/load-engine.js';
import { partitionLoad } from '../engine/partition.js';
import type { Plan } from '../plan/plan.js';
import type { Protocol } from '../plan/target-url.js';

/** Where the load goes, resolved: IP literal hosts with real ports. */
export interface ResolvedTarget {
  readonly protocol: Protocol;
  readonly destinations: readonly Destination[];
  /** Request path with query. */
  readonly path: string;
  /** Host for the Host header and TLS server name: the name the user gave, or the first destination. */
  readonly displayHost: string;
  /** True when the user named the host (so TLS checks that name). */
  readonly named: boolean;
}

/** What every attempt writes: the serialised HTTP request, or the TCP payload (or nothing). */
function requestOf(plan: Plan, target: ResolvedTarget): Uint8Array | null {
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

/**
 * The load a plan describes, ready for any engine: the request serialised once, the source
 * labels, the bounds, and one part per thread (`--workers`: sources dealt round-robin,
 * connections or rate and requests split evenly). Pure.
 */
export function loadJobOf(plan: Plan, target: ResolvedTarget, skipPorts: ReadonlySet<number>): LoadJob {
  return {
    target: {
      protocol: target.protocol,
      destinations: target.destinations,
      servername: target.named ? target.displayHost : null,
      request: requestOf(plan, target),
      headRequest: plan.http.method === 'HEAD',
      expectBytes: plan.tcp.expectBytes,
      http: { path: target.path, method: plan.http.method, headers: plan.http.headers, body: plan.http.body },
    },
    portMode: plan.portMode,
    explicitPorts: plan.explicitPorts,
    skipPorts: [...skipPorts],
    socketPortRange: plan.socketPortRange,
    close: plan.close,
    keepaliveClient: plan.keepaliveClient,
    timeoutMs: plan.timeoutMs,
    insecure: plan.insecure,
    callTimes: plan.callTimes !== false,
    sourceLabels: sourceLabelsOf(plan.sources),
    load: plan.load,
    durationMs: plan.durationMs,
    requests: plan.requests,
    parts: partitionLoad(plan, plan.workers),
  };
}
