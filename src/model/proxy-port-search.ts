import type { Prediction } from '../result/prediction.js';
import type { ProxyCpu, ProxyPortSearch } from '../result/proxy-result.js';

/** What the reading needs of a proxy variant. */
export interface ProxyPortSearchInput {
  /** How the proxy picks its upstream ports: connect() searches in kernel and nobind, nothing in explicit. */
  readonly portMode: 'kernel' | 'nobind' | 'explicit' | 'bind';
  /** Proxy source addresses towards the one upstream. */
  readonly sources: number;
  /** The hop's model; only a proxy that keeps the TIME_WAIT (portBound) searches past held ports. */
  readonly model: Prediction;
  readonly proxyHoldsTimeWait: boolean;
  /** Upstream connections the upstream counted, and the client's ok per second (their spread over time). */
  readonly upstreamConnections: number;
  readonly clientOkPerSecond: readonly number[];
  readonly cpu: ProxyCpu | null;
}

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

function mean(xs: readonly number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/**
 * Where connect()'s port search falls on the proxy's upstream hop (pairs x half the range, as for
 * the generator: model/port-search.ts), in which second the proxy got there, and its system time
 * per second and per upstream connection on either side. The upstream's connection count is spread
 * over the seconds as the client's ok were (one upstream connection per request without upstream
 * keepalive; fewer with it, in the same proportion).
 */
export function proxyPortSearch(input: ProxyPortSearchInput): ProxyPortSearch | null {
  const m = input.model;
  if (input.portMode === 'explicit' || input.portMode === 'bind') return null;
  if (!input.proxyHoldsTimeWait || !m.portBound || m.usablePorts === null) return null;
  const pairs = input.portMode === 'kernel' ? 1 : Math.max(1, input.sources);
  const fallAt = pairs * Math.floor(m.usablePorts / 2);
  const clientOk = input.clientOkPerSecond.reduce((a, b) => a + b, 0);
  const perOk = clientOk > 0 ? input.upstreamConnections / clientOk : 0;
  const upstreamPerSecond = input.clientOkPerSecond.map((n) => n * perOk);
  let cumulative = 0;
  let fallSecond: number | null = null;
  const before: number[] = [];
  const after: number[] = [];
  upstreamPerSecond.forEach((n, i) => {
    if (fallSecond === null && cumulative + n > fallAt) fallSecond = i;
    if (cumulative + n <= fallAt) before.push(i);
    else if (cumulative >= fallAt) after.push(i);
    cumulative += n;
  });
  // The last second is partial: left out of both sides.
  const last = upstreamPerSecond.length - 1;
  const cpuOf = (seconds: number[]): { msPerSec: number | null; usPerConnection: number | null } => {
    const whole = seconds.filter((s) => s < last);
    const entries = (input.cpu?.perSecond ?? []).filter((e) => whole.includes(e.second));
    const ms = mean(entries.map((e) => e.systemMs));
    const connections = entries.reduce((n, e) => n + (upstreamPerSecond[e.second] ?? 0), 0);
    const systemMs = entries.reduce((n, e) => n + e.systemMs, 0);
    return {
      msPerSec: ms === null ? null : Math.round(ms),
      usPerConnection: connections > 0 ? Math.round((systemMs * 1000) / connections) : null,
    };
  };
  const b = cpuOf(before);
  const a = cpuOf(after);
  const where =
    fallSecond === null
      ? `the proxy made ${fmt(input.upstreamConnections)} upstream connections, short of the fall at ${fmt(fallAt)} (${pairs} pair${pairs === 1 ? '' : 's'} x half of ${fmt(m.usablePorts)} ports)`
      : `the fall at ${fmt(fallAt)} upstream connections (${pairs} pair${pairs === 1 ? '' : 's'} x half of ${fmt(m.usablePorts)} ports) came in second ${fallSecond} of ${fmt(input.upstreamConnections)}`;
  const cpu =
    input.cpu === null
      ? "; the proxy's CPU was not read"
      : b.msPerSec !== null && a.msPerSec !== null
        ? `; the proxy's system time went from ${fmt(b.msPerSec)} ms a second (${fmt(b.usPerConnection ?? 0)} µs an upstream connection) before it to ${fmt(a.msPerSec)} ms a second (${fmt(a.usPerConnection ?? 0)} µs) after it`
        : `; the proxy spent ${fmt(input.cpu.systemMs)} ms in the kernel and ${fmt(input.cpu.userMs)} ms in user space`;
  return {
    pairs,
    fallAt,
    upstreamConnections: input.upstreamConnections,
    fallSecond,
    systemMsPerSecBefore: b.msPerSec,
    systemMsPerSecAfter: a.msPerSec,
    systemUsPerConnectionBefore: b.usPerConnection,
    systemUsPerConnectionAfter: a.usPerConnection,
    reading: `port search: ${where}${cpu}`,
  };
}
