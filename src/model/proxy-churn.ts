import { isKeepalive, type HaproxyMode, type ProxyKind, type ProxyVariant } from '../plan/proxy-variants.js';
import type { Prediction } from '../result/prediction.js';
import type { UpstreamChurn } from '../result/proxy-result.js';
import type { TargetStats } from '../result/target-stats.js';

/** What the churn reading needs: the variant and what the upstream counted while the proxy ran. */
export interface ChurnInput {
  readonly kind: ProxyKind;
  readonly variant: ProxyVariant;
  readonly mode: HaproxyMode;
  readonly upstreamClose: 'client' | 'server';
  readonly upstream: TargetStats;
  /** How long the load ran. */
  readonly durationSec: number;
  /** The model for the proxy-to-upstream hop, as if every ended connection left a TIME_WAIT on the proxy's side. */
  readonly model: Prediction;
}

/**
 * Who keeps the TIME_WAIT of an upstream connection that ends:
 * - the upstream, when it closes first (`--upstream-close server`);
 * - nobody, when HAProxy ends the connection itself in http mode (it closes server connections
 *   with an RST: mux_h1's silent shutdown) or with `option nolinger`;
 * - otherwise the proxy, which closes first with a FIN.
 */
export function timeWaitHolder(
  kind: ProxyKind,
  variant: ProxyVariant,
  mode: HaproxyMode,
  upstreamClose: 'client' | 'server',
): UpstreamChurn['timeWaitHeldBy'] {
  if (upstreamClose === 'server') return 'upstream';
  if (kind === 'haproxy' && (variant === 'nolinger' || mode === 'http')) return 'nobody';
  return 'proxy';
}

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** What closed the upstream connections, in the proxy's own terms. */
function why(input: ChurnInput, requestsEach: number | null, exact: boolean): string {
  const { kind, variant, mode } = input;
  if (isKeepalive(variant)) {
    if (kind === 'nginx' && exact && requestsEach !== null)
      return variant === 'keepalive'
        ? `after ${fmt(requestsEach)} requests each: the upstream block's keepalive_requests (1,000 by default; the http-level one governs client connections only)`
        : `after ${fmt(requestsEach)} requests each, the raised keepalive_requests`;
    return kind === 'haproxy'
      ? 'idle connections HAProxy purged (pool-purge-delay) or never reused'
      : 'idle connections past the pool size, or keepalive_time';
  }
  if (input.upstreamClose === 'server') return 'the upstream closing each after its response';
  if (kind === 'haproxy' && mode === 'tcp') return "one per client connection: HAProxy relays the client's close";
  if (kind === 'haproxy') return 'HAProxy ending each after its response (option http-server-close)';
  return 'nginx closing each after its response (HTTP/1.0 upstream, no keepalive)';
}

/** Measures what churned on the upstream side and what that costs in ports. Pure. */
export function upstreamChurn(input: ChurnInput): UpstreamChurn {
  const { upstream, durationSec, model } = input;
  const ended = upstream.ended ?? { connections: 0, requests: 0, maxRequests: 0 };
  const requestsPerConnection = upstream.connections > 0 ? upstream.requests / upstream.connections : null;
  const requestsPerEnded = ended.connections > 0 ? ended.requests / ended.connections : null;
  const endedPerSec = durationSec > 0 ? ended.connections / durationSec : 0;
  const heldBy = timeWaitHolder(input.kind, input.variant, input.mode, input.upstreamClose);
  const exact = requestsPerEnded !== null && requestsPerEnded === ended.maxRequests;
  // The proxy's own TIME_WAITs fill its 4-tuples at the churn rate; held elsewhere, they do not.
  const steadyHeld = model.holdSec !== null ? endedPerSec * model.holdSec : null;
  const exhaustionSec =
    heldBy === 'proxy' && model.tuples !== null && steadyHeld !== null && steadyHeld >= model.tuples && endedPerSec > 0
      ? model.tuples / endedPerSec
      : null;
  // The run itself used up the 4-tuples (the listeners' own ports may take a couple).
  const filled = heldBy === 'proxy' && model.portBound && model.tuples !== null && ended.connections >= model.tuples * 0.99;
  let reading: string;
  if (ended.connections === 0) {
    reading = `${fmt(upstream.connections)} upstream connection${upstream.connections === 1 ? '' : 's'} carried every request; none ended during the load`;
  } else {
    const each = exact
      ? `${fmt(requestsPerEnded!)} request${requestsPerEnded === 1 ? '' : 's'} each`
      : `${fmt(requestsPerEnded!)} requests each on average`;
    const closed = `${fmt(ended.connections)} upstream connections ended (${each}), ${fmt(endedPerSec)} a second, ${why(input, requestsPerEnded, exact)}`;
    const cost =
      heldBy === 'nobody'
        ? 'each with an RST, so no TIME_WAIT (the upstream sees a reset)'
        : heldBy === 'upstream'
          ? 'the TIME_WAIT on the upstream side'
          : !model.portBound
            ? `each a TIME_WAIT on the proxy's side, yet ${model.formula.replace(/^not port-bound: /, '')}`
            : filled
              ? `each a TIME_WAIT on the proxy's side for ${model.holdSec} s: they filled the ${fmt(model.tuples!)} usable 4-tuples within the run`
              : exhaustionSec !== null
                ? `each a TIME_WAIT on the proxy's side for ${model.holdSec} s: at this rate the ${fmt(model.tuples!)} usable 4-tuples fill after ${fmt(exhaustionSec)} s`
                : `each a TIME_WAIT on the proxy's side for ${model.holdSec} s: ${fmt(steadyHeld ?? 0)} held at this rate, within the ${fmt(model.tuples ?? 0)} usable 4-tuples`;
    reading = `${closed}; ${cost}`;
  }
  return {
    requestsPerConnection,
    endedConnections: ended.connections,
    requestsPerEndedConnection: requestsPerEnded,
    maxRequestsPerConnection: ended.maxRequests,
    endedPerSec,
    timeWaitHeldBy: heldBy,
    exhaustionSec,
    reading,
  };
}
