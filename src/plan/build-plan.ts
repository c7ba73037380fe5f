import { PlanError } from '../errors.js';
import { familyOf, needsLocalRoute } from './addresses.js';
import { parseSources } from './addresses.js';
import { parseHeaders, parseMethod } from './headers.js';
import { parseListen } from './listen.js';
import {
  CLOSE_POLICIES,
  ENGINE_CHOICES,
  KEEPALIVE_CLIENTS,
  PLAN_DEFAULTS,
  PORT_MODES,
  type ClosePolicy,
  type EngineChoice,
  type ListenAddress,
  type LoadModel,
  type Plan,
  type PortMode,
} from './plan.js';
import { defaultExplicitPorts, parsePortRange, portCount, rangesOverlap, type PortRange } from './ports.js';
import { checkSourcesReach, checkTargetAllowed, parseTarget, type TargetEndpoint } from './target-url.js';
import { parseBytes, parseDurationMs, parsePositiveInt, parsePositiveNumber } from './units.js';
import type { HostFacts, NamespaceOptions, NamespaceSpec } from './namespace.js';
import { parseThreshold } from './thresholds.js';

/** Options as a user gives them, on the command line or to `run()`. Every field is optional. */
export interface RunOptions extends NamespaceOptions {
  /** `http://`, `https://` or `tcp://host:port`; absent: the built-in target. */
  target?: string;
  /** Built-in target: where it listens. Default `127.0.0.1:0`. */
  listen?: string;
  /** Built-in target: fixed delay before each response. Default `0ms`. */
  delay?: string;
  /** Built-in target: response body size. Default `2` bytes. */
  bodySize?: string | number;
  /** Built-in target: native threads. Default: a quarter of the cores, at least 1. */
  targetThreads?: string | number;
  /** Built-in target: `native`, `js`, or `auto` (native where the addon is built). Default `auto`. */
  targetEngine?: EngineChoice;
  /** Built-in target: `http` (a request, a 200 answer) or `tcp` (a greeting of --body-size bytes at accept; native target). Default `http`. */
  targetProtocol?: 'http' | 'tcp';
  /** Source addresses: a count, a list, a range or a CIDR block. */
  sources?: string | number;
  /** First address when `sources` is a count. Default `127.0.0.1`. */
  sourceBase?: string;
  /** Default: `kernel` without `sources`, `bind` with. */
  portMode?: PortMode;
  /** `LO-HI`, explicit mode only. Default: outside the kernel's ephemeral range. */
  explicitPorts?: string;
  /** `LO-HI`: IP_LOCAL_PORT_RANGE on every socket (native engine, Linux 6.3+). */
  socketPortRange?: string;
  /** Allow `explicitPorts` inside ip_local_port_range (safe only inside a network namespace). */
  allowEphemeralOverlap?: boolean;
  close?: ClosePolicy;
  /** Closed loop: connections in flight. Default 64 when `rate` is absent. */
  connections?: number | string;
  /** Open loop: requests per second. */
  rate?: number | string;
  /** Open loop: most connections in flight at once. Default 10,000. */
  maxInFlight?: number | string;
  /** Default `10s` when `requests` is absent. */
  duration?: string;
  requests?: number | string;
  /** Per-connection timeout. Default `10s`. */
  timeout?: string;
  method?: string;
  header?: readonly string[];
  body?: string;
  /** Raw TCP target: bytes to send after connect. */
  payload?: string;
  /** Raw TCP target: bytes to wait for before closing. */
  expectBytes?: number | string;
  allowRemote?: boolean;
  insecure?: boolean;
  /** `--close keepalive` client: `raw` (default) or `undici`. */
  keepaliveClient?: 'raw' | 'undici';
  /** `--fail-on` expressions (repeatable): `error-rate>1%`, `p99>50ms`, `ok-rate<0.9*predicted`. */
  failOn?: readonly string[];
  /** Generator threads. Default 1 (what bench/ found best on a 2-core machine). */
  workers?: number | string;
  /** Socket-state sampling period, e.g. `1s`; `0s` turns it off. Default `1s`. */
  sampleInterval?: string;
  /** `auto` (default), `native` or `js`. */
  engine?: EngineChoice;
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new PlanError(option, `${option} '${value}' must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function buildLoad(options: RunOptions): LoadModel {
  if (options.rate !== undefined && options.connections !== undefined) {
    throw new PlanError(
      '--rate',
      '--rate (open loop) and --connections (closed loop) exclude each other; cap an open loop with --max-in-flight',
    );
  }
  if (options.rate !== undefined) {
    return {
      kind: 'open',
      ratePerSec: parsePositiveNumber('--rate', options.rate),
      maxInFlight: parsePositiveInt('--max-in-flight', options.maxInFlight ?? PLAN_DEFAULTS.maxInFlight),
    };
  }
  if (options.maxInFlight !== undefined)
    throw new PlanError('--max-in-flight', '--max-in-flight applies to an open loop only (with --rate)');
  return { kind: 'closed', connections: parsePositiveInt('--connections', options.connections ?? PLAN_DEFAULTS.connections) };
}

/** The most TIME_WAIT entries a namespace's table is sized to (about 200 bytes each in the kernel). */
export const TW_TABLE_CAP = 2_000_000;

/**
 * A namespace whose TIME_WAIT table (tcp_max_tw_buckets) holds every 4-tuple the run can use:
 * sources (1 for the kernel's choice) x destinations x ports of the range, at least what it had,
 * at most TW_TABLE_CAP. Past a full table the kernel closes without TIME_WAIT, and a stage would
 * measure a kernel without it.
 */
function sizedTwTable(namespace: NamespaceSpec, sources: number, destinations: number, range: PortRange): NamespaceSpec {
  const space = Math.max(1, sources) * Math.max(1, destinations) * portCount(range);
  const had = Number(namespace.sysctls['net.ipv4.tcp_max_tw_buckets'] ?? 0);
  const size = Math.min(TW_TABLE_CAP, Math.max(had, space));
  return { ...namespace, sysctls: { ...namespace.sysctls, 'net.ipv4.tcp_max_tw_buckets': String(size) } };
}

/** Native target threads: 1 to 256 (abi.json's targetConfig.threads). */
function targetThreadsOf(value: string | number): number {
  const threads = parsePositiveInt('--target-threads', value);
  if (threads > 256) throw new PlanError('--target-threads', `--target-threads must be 1 to 256, got ${threads}`);
  return threads;
}

/** The target: an external endpoint (checked against --allow-remote), or null for the built-in one. */
function endpointOf(options: RunOptions): TargetEndpoint | null {
  const endpoint = options.target === undefined ? null : parseTarget(options.target);
  if (endpoint) checkTargetAllowed(endpoint.host, options.allowRemote === true);
  const builtinOnly = [
    options.listen,
    options.delay,
    options.bodySize,
    options.targetThreads,
    options.targetEngine,
    options.targetProtocol,
  ];
  if (endpoint && builtinOnly.some((o) => o !== undefined)) {
    throw new PlanError(
      '--listen',
      '--listen, --delay, --body-size, --target-threads, --target-engine and --target-protocol configure the built-in target; they do not apply with --target',
    );
  }
  return endpoint;
}

/** Who picks the source address and port, the engine, and who closes: the choices that constrain each other. */
function portPathOf(
  options: RunOptions,
  facts: HostFacts,
  protocol: TargetEndpoint['protocol'],
): Pick<Plan, 'sources' | 'portMode' | 'engine' | 'close' | 'explicitPorts' | 'socketPortRange'> {
  const sources =
    options.sources === undefined ? [] : parseSources(String(options.sources), options.sourceBase ?? PLAN_DEFAULTS.sourceBase);
  const portMode = oneOf('--port-mode', options.portMode ?? (sources.length === 0 ? 'kernel' : 'bind'), PORT_MODES);
  if (portMode === 'kernel' && sources.length > 0) {
    // Without bind() the kernel takes the source address from the route (127.0.0.1 on loopback),
    // so a chosen source would be a label the run does not honour.
    const chosen = sources.length === 1 ? sources[0] : `${sources.length} addresses`;
    throw new PlanError(
      '--port-mode',
      `--port-mode kernel does not bind, so it cannot use chosen --sources (${chosen}); use --port-mode bind or explicit, or drop --sources`,
    );
  }
  const engine = oneOf('--engine', options.engine ?? PLAN_DEFAULTS.engine, ENGINE_CHOICES);
  if (portMode === 'nobind' && engine === 'js') {
    throw new PlanError(
      '--port-mode',
      '--port-mode nobind needs the native engine (IP_BIND_ADDRESS_NO_PORT is a socket option Node cannot set); drop --engine js',
    );
  }
  if (portMode !== 'kernel' && sources.length === 0) {
    throw new PlanError('--port-mode', `--port-mode ${portMode} needs --sources (e.g. --sources 4)`);
  }
  const close = oneOf('--close', options.close ?? PLAN_DEFAULTS.close, CLOSE_POLICIES);
  if (close === 'keepalive' && portMode === 'explicit') {
    throw new PlanError('--close', '--close keepalive reuses connections, so --port-mode explicit has nothing to choose; use bind');
  }
  if (close === 'keepalive' && protocol === 'tcp') {
    throw new PlanError(
      '--close',
      '--close keepalive needs an HTTP target; a tcp:// target has no request framing to reuse a connection with',
    );
  }
  return {
    sources,
    portMode,
    engine,
    close,
    explicitPorts: explicitPortsOf(options, facts, portMode),
    socketPortRange: socketPortRangeOf(options, portMode, engine),
  };
}

/** Explicit mode's port range: given, or the ports above ip_local_port_range; never the host's own range unless insisted on. */
function explicitPortsOf(options: RunOptions, facts: HostFacts, portMode: PortMode): PortRange | null {
  if (portMode !== 'explicit') {
    if (options.explicitPorts !== undefined)
      throw new PlanError('--explicit-ports', '--explicit-ports applies to --port-mode explicit only');
    return null;
  }
  if (options.explicitPorts === undefined) {
    const ports = defaultExplicitPorts(facts.ephemeralPorts);
    if (!ports) throw new PlanError('--explicit-ports', '--explicit-ports: ip_local_port_range leaves no room outside it; give a range');
    return ports;
  }
  const ports = parsePortRange('--explicit-ports', options.explicitPorts);
  if (rangesOverlap(ports, facts.ephemeralPorts) && options.allowEphemeralOverlap !== true && facts.isolated !== true) {
    const eph = facts.ephemeralPorts;
    throw new PlanError(
      '--explicit-ports',
      `--explicit-ports ${ports.low}-${ports.high} overlaps ip_local_port_range ${eph.low}-${eph.high}, which would starve other programs of ports; pass --allow-ephemeral-overlap to insist`,
    );
  }
  return ports;
}

/** IP_LOCAL_PORT_RANGE for every socket: native engine only, and only where the kernel picks the port. */
function socketPortRangeOf(options: RunOptions, portMode: PortMode, engine: EngineChoice): PortRange | null {
  if (options.socketPortRange === undefined) return null;
  const range = parsePortRange('--socket-port-range', options.socketPortRange);
  if (engine === 'js')
    throw new PlanError(
      '--socket-port-range',
      '--socket-port-range sets IP_LOCAL_PORT_RANGE, a socket option Node cannot set: it needs the native engine; drop --engine js',
    );
  if (portMode === 'explicit')
    throw new PlanError(
      '--socket-port-range',
      '--socket-port-range narrows the ports the kernel picks; --port-mode explicit picks them itself (use --explicit-ports)',
    );
  return range;
}

/** The built-in target's addresses (none with an external target); sources and target in one family. */
function listenOf(
  options: RunOptions,
  endpoint: TargetEndpoint | null,
  sources: readonly string[],
  namespace: NamespaceSpec | null,
): ListenAddress[] {
  const sourceFamily = sources[0] === undefined ? null : familyOf(sources[0]);
  // IPv6 sources: the built-in target listens on ::1 unless told otherwise.
  const listenText = options.listen ?? (sourceFamily === 6 ? '[::1]:0' : PLAN_DEFAULTS.listen);
  const listen = endpoint ? [] : parseListen(listenText, '--listen', namespace !== null);
  const targetFamily = endpoint ? endpoint.family : familyOf(listen[0]!.host);
  if (sourceFamily !== null && targetFamily !== null && sourceFamily !== targetFamily) {
    throw new PlanError('--sources', `--sources are IPv${sourceFamily} but the target is IPv${targetFamily}`);
  }
  if (!endpoint && listen.some((l) => familyOf(l.host) !== targetFamily)) {
    throw new PlanError('--listen', '--listen mixes IPv4 and IPv6 addresses; use one family');
  }
  return listen;
}

/**
 * IPv6 sources other than ::1 exist only where a route makes their prefix local; portchurn adds
 * that route inside the namespaces it makes and never on the host.
 */
function checkIpv6Sources(sources: readonly string[], namespace: NamespaceSpec | null): void {
  const routed = sources.filter(needsLocalRoute);
  if (routed.length === 0 || namespace !== null) return;
  const which = routed.length === 1 ? routed[0] : `${routed[0]} and ${routed.length - 1} more`;
  throw new PlanError(
    '--sources',
    `--sources ${which}: IPv6 sources other than ::1 exist only inside a network namespace portchurn makes (it routes the prefix to lo there, never on the host); drop --no-netns, or run where namespaces can be made (root)`,
  );
}

/** How long the run lasts: --duration (default 10s unless --requests), --requests, and each attempt's --timeout. */
function boundsOf(options: RunOptions): Pick<Plan, 'durationMs' | 'requests' | 'timeoutMs'> {
  const requests = options.requests === undefined ? null : parsePositiveInt('--requests', options.requests);
  const durationText = options.duration ?? (requests === null ? PLAN_DEFAULTS.duration : null);
  const durationMs = durationText === null ? null : parseDurationMs('--duration', durationText);
  if (durationMs !== null && durationMs < 1) throw new PlanError('--duration', '--duration must be longer than 0');
  const timeoutMs = parseDurationMs('--timeout', options.timeout ?? PLAN_DEFAULTS.timeout);
  if (timeoutMs < 1) throw new PlanError('--timeout', '--timeout must be longer than 0');
  return { durationMs, requests, timeoutMs };
}

/** What each connection sends: an HTTP request, or a tcp:// payload; the options of the other kind are refused. */
function requestOf(options: RunOptions, protocol: TargetEndpoint['protocol'], builtinBodyBytes: number | null): Pick<Plan, 'http' | 'tcp'> {
  const httpOptionsGiven = options.method !== undefined || (options.header?.length ?? 0) > 0 || options.body !== undefined;
  const tcpOptionsGiven = options.payload !== undefined || options.expectBytes !== undefined;
  if (protocol === 'tcp' && httpOptionsGiven)
    throw new PlanError('--method', '--method, --header and --body apply to HTTP targets; a tcp:// target takes --payload');
  if (protocol !== 'tcp' && tcpOptionsGiven)
    throw new PlanError(
      '--payload',
      '--payload and --expect-bytes apply to tcp:// targets only (and the built-in target with --target-protocol tcp)',
    );
  // The built-in tcp target greets with --body-size bytes: read them all by default.
  const expectBytes = options.expectBytes === undefined ? (builtinBodyBytes ?? PLAN_DEFAULTS.expectBytes) : Number(options.expectBytes);
  if (!Number.isSafeInteger(expectBytes) || expectBytes < 0)
    throw new PlanError('--expect-bytes', `--expect-bytes must be a whole number >= 0, got '${String(options.expectBytes)}'`);
  return {
    http: {
      method: parseMethod(options.method ?? PLAN_DEFAULTS.method),
      headers: parseHeaders(options.header ?? []),
      body: options.body ?? null,
    },
    tcp: { payload: options.payload ?? null, expectBytes },
  };
}

/** Why a run without a namespace runs on the host, as the result states it. */
function hostReasonOf(options: RunOptions, endpoint: TargetEndpoint | null, namespace: NamespaceSpec | null): string | null {
  if (namespace) return null;
  if (options.netns === false) return '--no-netns was given';
  if (endpoint) return 'the target is outside portchurn, so it is reached from the host';
  return 'no network namespace could be made here (needs root or unprivileged user namespaces)';
}

/**
 * Turns user options into a validated plan, or throws PlanError naming the option at fault.
 * Pure: it reads nothing from the host but `facts`, and sends nothing. Options are checked in
 * this order, so that of several faults the same one is always reported.
 */
export function buildPlan(options: RunOptions, facts: HostFacts, namespace: NamespaceSpec | null = null): Plan {
  const endpoint = endpointOf(options);
  const targetProtocol = oneOf('--target-protocol', options.targetProtocol ?? 'http', ['http', 'tcp'] as const);
  const protocol = endpoint?.protocol ?? targetProtocol;
  const bodyBytes = parseBytes('--body-size', String(options.bodySize ?? PLAN_DEFAULTS.bodySize));
  const { sources, portMode, engine, close, explicitPorts, socketPortRange } = portPathOf(options, facts, protocol);
  checkIpv6Sources(sources, namespace);
  if (endpoint) checkSourcesReach(sources, endpoint.host);
  const listen = listenOf(options, endpoint, sources, namespace);
  const load = buildLoad(options);
  const { durationMs, requests, timeoutMs } = boundsOf(options);
  const { http, tcp } = requestOf(options, protocol, !endpoint && protocol === 'tcp' ? bodyBytes : null);
  // The plan's fields in the order --dry-run and the result show them.
  return {
    target: endpoint
      ? { kind: 'external', endpoint }
      : {
          kind: 'builtin',
          listen,
          delayMs: parseDurationMs('--delay', options.delay ?? PLAN_DEFAULTS.delay),
          bodyBytes,
          protocol: targetProtocol,
          threads: options.targetThreads === undefined ? null : targetThreadsOf(options.targetThreads),
          engine: oneOf('--target-engine', options.targetEngine ?? PLAN_DEFAULTS.engine, ENGINE_CHOICES),
        },
    sources,
    portMode,
    explicitPorts,
    socketPortRange,
    close,
    load,
    durationMs,
    requests,
    timeoutMs,
    http,
    tcp,
    netns: namespace?.sizeTwTable ? sizedTwTable(namespace, sources.length, endpoint ? 1 : listen.length, facts.ephemeralPorts) : namespace,
    hostReason: hostReasonOf(options, endpoint, namespace),
    thresholds: (options.failOn ?? []).map(parseThreshold),
    keepaliveClient: oneOf('--keepalive-client', options.keepaliveClient ?? PLAN_DEFAULTS.keepaliveClient, KEEPALIVE_CLIENTS),
    workers: parsePositiveInt('--workers', options.workers ?? PLAN_DEFAULTS.workers),
    sampleIntervalMs: parseDurationMs('--sample-interval', options.sampleInterval ?? PLAN_DEFAULTS.sampleInterval),
    insecure: options.insecure === true,
    allowRemote: options.allowRemote === true,
    engine,
  };
}
