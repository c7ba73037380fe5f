import { PlanError } from '../errors.js';
import { familyOf, needsLocalRoute } from './addresses.js';
import { parseHeaders, parseMethod } from './headers.js';
import { parseListen } from './listen.js';
import { ENGINE_CHOICES, KEEPALIVE_CLIENTS, PLAN_DEFAULTS, type ListenAddress, type LoadModel, type Plan } from './plan.js';
import { sizedTwTable, type HostFacts, type NamespaceSpec } from './namespace.js';
import { portPathOf } from './port-path.js';
import type { RunOptions } from './run-options.js';
import { checkSourcesReach, checkTargetAllowed, parseTarget, type TargetEndpoint } from './target-url.js';
import { oneOf, parseBytes, parseDurationMs, parsePositiveInt, parsePositiveNumber } from './units.js';
import { parseThreshold } from './thresholds.js';

export type { RunOptions } from './run-options.js';

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
    callTimes: options.callTimes ?? PLAN_DEFAULTS.callTimes,
    insecure: options.insecure === true,
    allowRemote: options.allowRemote === true,
    engine,
  };
}
