import type { RunOptions } from './build-plan.js';
import type { NamespaceSpec } from './namespace.js';

/** The real proxies the scenario runs. */
export const PROXY_KINDS = ['nginx', 'haproxy'] as const;
export type ProxyKind = (typeof PROXY_KINDS)[number];

/**
 * The variants: the failure and its fixes.
 * - plain: the proxy's defaults, one source address, a new upstream connection per request.
 * - split: several source addresses (nginx: split_clients + proxy_bind; HAProxy: one server line each).
 * - ports: HAProxy picks its source ports itself from a range (`source ADDR:LOW-HIGH`).
 * - keepalive: upstream connections kept and reused, with the proxy's default limits.
 * - keepalive-tuned: the same with the limits that close kept connections raised.
 * - nolinger: HAProxy's `option nolinger`: an RST instead of a FIN, so no TIME_WAIT.
 * - wide, reuse: plain with a wider ip_local_port_range or tcp_tw_reuse=1 in the namespace.
 */
export const PROXY_VARIANTS = ['plain', 'split', 'ports', 'keepalive', 'keepalive-tuned', 'nolinger', 'wide', 'reuse'] as const;
export type ProxyVariant = (typeof PROXY_VARIANTS)[number];

/** Variants a proxy does not have, and why: the scenario skips them for it and says so. */
export const NOT_AVAILABLE: Readonly<Record<ProxyKind, Partial<Record<ProxyVariant, string>>>> = {
  nginx: {
    ports: 'nginx picks no source ports itself: proxy_bind takes an address (and at most one port), not a range',
    nolinger: 'nginx has no setting that resets its upstream connections instead of closing them',
  },
  haproxy: {},
};

/** How HAProxy proxies: `tcp` relays the client's close (it closes first upstream); `http` ends each server connection itself. */
export const HAPROXY_MODES = ['tcp', 'http'] as const;
export type HaproxyMode = (typeof HAPROXY_MODES)[number];

/** Keepalive variants reuse server connections across requests: HTTP only, whatever `--haproxy-mode` says. */
export function isKeepalive(variant: ProxyVariant): boolean {
  return variant === 'keepalive' || variant === 'keepalive-tuned';
}

/** How the proxy speaks to the client and the upstream in a variant: nginx always HTTP. */
export function modeOf(kind: ProxyKind, variant: ProxyVariant, haproxyMode: HaproxyMode): HaproxyMode {
  return kind === 'nginx' || isKeepalive(variant) ? 'http' : haproxyMode;
}

/** One variant to run, as the parent sends it to the namespace child. */
export interface ProxyVariantSpec {
  readonly kind: ProxyKind;
  readonly variant: ProxyVariant;
  /** The proxy's binary, found by the parent. */
  readonly bin: string;
  /** `tcp` or `http` for this variant (modeOf). */
  readonly mode: HaproxyMode;
  /** split: the loopback addresses the proxy binds its upstream connections to. */
  readonly splitSources: readonly string[];
  /** split (nginx): the split_clients key. */
  readonly splitKey: string;
  /** How the built-in upstream ends connections: `client` (default) keeps them open, so the proxy closes first. */
  readonly upstreamClose: 'client' | 'server';
  /** keepalive: idle upstream connections the proxy keeps. */
  readonly keepaliveConnections: number;
  /**
   * The client side's load: connections or rate, duration or requests, timeout, sample interval.
   * Through an HTTP proxy the client keeps its connections; through HAProxy in tcp mode every
   * request is a connection of its own (the proxy makes one upstream per client connection).
   */
  readonly load: RunOptions;
  /** The namespace's settings, recorded in the result. */
  readonly namespace: NamespaceSpec;
}
