import { PlanError } from '../errors.js';
import { canonicalAddress, familyOf, ipv6Bytes, unmappedIpv4 } from './addresses.js';
import { parseDurationMs, parsePositiveInt } from './units.js';
import { parseListen } from './listen.js';
import type { ListenAddress } from './plan.js';

/** The defaults of `portchurn watch`, stated once. */
export const WATCH_DEFAULTS = { interval: '1s', top: 20, via: 'auto' } as const;

/** Which socket reader `watch` uses: sock_diag where it can, or one of them by name. */
export type WatchVia = 'auto' | 'sock_diag' | 'proc';
export const WATCH_VIAS = ['auto', 'sock_diag', 'proc'] as const satisfies readonly WatchVia[];

/** An address, or every address of a prefix (`127.0.0.0/8`, `2001:2::/48`). */
export interface AddressFilter {
  readonly text: string;
  matches(address: string): boolean;
}

/** A destination: an address or prefix, a port, or both (`127.0.0.2:8080`, `[::1]:80`, `:8080`, `10.0.0.0/8`). */
export interface DestinationFilter {
  readonly text: string;
  matches(address: string, port: number): boolean;
}

/** What `portchurn watch` does: read every interval (or twice, `once`), group, rank. */
export interface WatchPlan {
  readonly intervalMs: number;
  readonly once: boolean;
  /** Stop after this many samples; null: until interrupted. */
  readonly samples: number | null;
  readonly top: number;
  readonly sources: readonly AddressFilter[];
  readonly destinations: readonly DestinationFilter[];
  readonly via: WatchVia;
  /** Other network namespaces to read (/proc/PID/ns/net, /run/netns/NAME); empty: this process's own. */
  readonly netns: readonly string[];
  /** Every network namespace of the node (found through /proc/PID/ns/net). */
  readonly allNetns: boolean;
  /** Serve /metrics here (Prometheus and OpenMetrics) instead of printing; null: print. */
  readonly metricsListen: ListenAddress | null;
}

/** Options of `watchPlanOf`, as the CLI or a library caller gives them. */
export interface WatchOptions {
  interval?: string;
  once?: boolean;
  samples?: string | number;
  top?: string | number;
  src?: string;
  dst?: string;
  via?: string;
  /** Comma-separated namespace paths. */
  netns?: string;
  allNetns?: boolean;
  /** `HOST:PORT`, loopback unless `allowRemote`. */
  metricsListen?: string;
  allowRemote?: boolean;
}

function bytesOf(address: string): number[] {
  return familyOf(address) === 4 ? address.split('.').map(Number) : ipv6Bytes(address);
}

function samePrefix(a: readonly number[], b: readonly number[], bits: number): boolean {
  for (let i = 0; i * 8 < bits; i++) {
    const take = Math.min(8, bits - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

/** Parses one address or prefix for --src or --dst. */
export function parseAddressFilter(option: string, text: string): AddressFilter {
  const [address = '', length] = text.split('/');
  const family = familyOf(address);
  const maxBits = family === 4 ? 32 : 128;
  const bits = length === undefined ? maxBits : Number(length);
  if (family === null || !Number.isInteger(bits) || bits < 0 || bits > maxBits || (length !== undefined && !/^\d+$/.test(length))) {
    throw new PlanError(option, `${option} '${text}' must be an address or a prefix (127.0.0.1, 127.0.0.0/8, 2001:2::/48)`);
  }
  const network = bytesOf(canonicalAddress(address));
  return {
    text,
    matches: (candidate) => {
      const plain = unmappedIpv4(candidate);
      return familyOf(plain) === family && samePrefix(bytesOf(plain), network, bits);
    },
  };
}

/** Parses one --dst item: `ADDRESS[/LEN]`, `ADDRESS:PORT`, `[IPV6]:PORT` or `:PORT`. */
export function parseDestinationFilter(text: string): DestinationFilter {
  const option = '--dst';
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text);
  const addressText = match ? (match[1] ?? match[2] ?? '') : text;
  const port = match ? Number(match[3]) : null;
  if (port !== null && (port < 1 || port > 65535)) throw new PlanError(option, `${option} '${text}' has a port outside 1-65535`);
  const address = addressText === '' ? null : parseAddressFilter(option, addressText);
  if (address === null && port === null) throw new PlanError(option, `${option} '${text}' must be ADDRESS, ADDRESS:PORT or :PORT`);
  return { text, matches: (a, p) => (port === null || p === port) && (address === null || address.matches(a)) };
}

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Checks `portchurn watch`'s options into a plan; bad input is a PlanError (exit 2). */
export function watchPlanOf(options: WatchOptions): WatchPlan {
  const via = options.via ?? WATCH_DEFAULTS.via;
  if (!(WATCH_VIAS as readonly string[]).includes(via)) throw new PlanError('--via', `--via must be one of ${WATCH_VIAS.join(', ')}`);
  const intervalMs = parseDurationMs('--interval', options.interval ?? WATCH_DEFAULTS.interval);
  if (intervalMs <= 0) throw new PlanError('--interval', '--interval must be longer than 0');
  const once = options.once === true;
  if (once && options.samples !== undefined)
    throw new PlanError('--samples', '--samples and --once exclude each other (--once is one sample)');
  const netns = list(options.netns);
  if (options.allNetns === true && netns.length > 0) throw new PlanError('--netns', '--netns and --all-netns exclude each other');
  if (netns.length > 0 && via === 'proc')
    throw new PlanError('--via', '--via proc reads this namespace only; another is read through sock_diag');
  // The metrics name the addresses a node talks to: loopback unless the operator says otherwise.
  const metricsListen =
    options.metricsListen === undefined
      ? null
      : parseListen(options.metricsListen, '--metrics-listen', false, options.allowRemote === true);
  if (metricsListen && metricsListen.length !== 1) throw new PlanError('--metrics-listen', '--metrics-listen takes one HOST:PORT');
  if (metricsListen && (once || options.samples !== undefined))
    throw new PlanError('--metrics-listen', '--metrics-listen serves until stopped: it takes neither --once nor --samples');
  return {
    intervalMs,
    once,
    samples: once ? 1 : options.samples === undefined ? null : parsePositiveInt('--samples', options.samples),
    top: parsePositiveInt('--top', options.top ?? WATCH_DEFAULTS.top),
    sources: list(options.src).map((s) => parseAddressFilter('--src', s)),
    destinations: list(options.dst).map(parseDestinationFilter),
    via: via as WatchVia,
    netns,
    allNetns: options.allNetns === true,
    metricsListen: metricsListen ? metricsListen[0]! : null,
  };
}
