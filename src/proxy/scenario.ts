import { walkUntilStopped } from '../runner/walk.js';
import { resultHeader } from '../result/header.js';
import { PlanError } from '../errors.js';
import { namespacePrefix } from '../env/namespace-support.js';
import { resolveNamespace } from '../env/resolve-namespace.js';
import { runJobInNamespace } from '../runner/run-in-namespace.js';
import type { SysctlSet } from '../plan/sysctls.js';
import { parseSources } from '../plan/addresses.js';
import { buildPlan, type RunOptions } from '../plan/build-plan.js';
import { parsePositiveInt } from '../plan/units.js';
import type { SweepHooks } from '../sweep/sweep.js';
import { findProxy } from './proxy-process.js';
import { namespaceFacts, type NamespaceSpec } from '../plan/namespace.js';
import type { ProxyResult, ProxyVariantResult, SkippedVariant } from '../result/proxy-result.js';
import { PLAN_DEFAULTS } from '../plan/plan.js';
import {
  HAPROXY_MODES,
  NOT_AVAILABLE,
  PROXY_KINDS,
  PROXY_VARIANTS,
  modeOf,
  type HaproxyMode,
  type ProxyKind,
  type ProxyVariant,
  type ProxyVariantSpec,
} from '../plan/proxy-variants.js';

/** Options of `portchurn proxy` (and `portchurn nginx`, which is `--kind nginx`). */
export interface ProxyOptions {
  /** Comma list of proxies. Default `nginx`. */
  kind?: string;
  /** Comma list. Default `plain,split,keepalive,keepalive-tuned`. */
  variants?: string;
  /** split: how many loopback source addresses the proxy binds to. Default 8. */
  sources?: string | number;
  /** split (nginx): the split_clients key. Default the blog's `$remote_addr$remote_port`. */
  splitKey?: string;
  /** How the upstream ends connections. Default `client` (the proxy closes first, as in the blog). */
  upstreamClose?: (typeof UPSTREAM_CLOSE_POLICIES)[number];
  nginxBin?: string;
  haproxyBin?: string;
  /** HAProxy's mode for the variants that are not keepalive. Default `tcp`. */
  haproxyMode?: HaproxyMode;
  /** Default `narrow`, so the case reproduces within seconds. */
  profile?: string;
  profilesFile?: string;
  sysctl?: readonly string[];
  /** Client side: connections to the proxy (default 64), or an open-loop rate. */
  connections?: string | number;
  rate?: string | number;
  /** Default `20s`. */
  duration?: string;
  requests?: string | number;
  timeout?: string;
  sampleInterval?: string;
  /** keepalive (nginx): idle upstream connections kept. Default: as many as the client has (64). */
  keepaliveConnections?: string | number;
  /** The client side's engine: `auto` (default), `native` or `js`. */
  engine?: RunOptions['engine'];
  /** The client side's generator threads (default 1). */
  workers?: string | number;
}

/** How the upstream ends its connections. */
export const UPSTREAM_CLOSE_POLICIES = ['client', 'server'] as const;

/** The scenario's own defaults, stated once (the CLI's help reads them): the case within seconds. */
export const PROXY_DEFAULTS = {
  kind: 'nginx',
  variants: 'plain,split,keepalive,keepalive-tuned',
  sources: 8,
  duration: '20s',
  profile: 'narrow',
  splitKey: '$remote_addr$remote_port',
  upstreamClose: 'client',
  haproxyMode: 'tcp',
} as const;

/** Settings a variant adds in its namespace: `wide` widens the port range, `reuse` turns tcp_tw_reuse on. */
export function variantSysctls(variant: ProxyVariant): SysctlSet {
  if (variant === 'wide') return { 'net.ipv4.ip_local_port_range': '1024 65535' };
  if (variant === 'reuse') return { 'net.ipv4.tcp_tw_reuse': '1' };
  return {};
}

function listOf<T extends string>(option: string, text: string, allowed: readonly T[]): T[] {
  const items = text
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (items.length === 0) throw new PlanError(option, `${option} names nothing`);
  for (const v of items)
    if (!(allowed as readonly string[]).includes(v)) throw new PlanError(option, `${option} '${v}' must be among ${allowed.join(', ')}`);
  return [...new Set(items)] as T[];
}

/** The variants each proxy runs, and those it skips (a variant no proxy asked for has is an error). */
function variantsByKind(
  kinds: readonly ProxyKind[],
  variants: readonly ProxyVariant[],
): { runs: [ProxyKind, ProxyVariant][]; skipped: SkippedVariant[] } {
  const runs: [ProxyKind, ProxyVariant][] = [];
  const skipped: SkippedVariant[] = [];
  for (const variant of variants) {
    const missing = kinds.filter((k) => NOT_AVAILABLE[k][variant] !== undefined);
    if (missing.length === kinds.length)
      throw new PlanError('--variants', `--variants '${variant}': ${missing.map((k) => `${k}: ${NOT_AVAILABLE[k][variant]}`).join('; ')}`);
  }
  for (const kind of kinds)
    for (const variant of variants) {
      const why = NOT_AVAILABLE[kind][variant];
      if (why === undefined) runs.push([kind, variant]);
      else skipped.push({ kind, variant, why });
    }
  return { runs, skipped };
}

/** A checked scenario: the variants to run, each with its namespace, and what was skipped. */
export interface ProxyPlan {
  readonly specs: readonly Omit<ProxyVariantSpec, 'bin'>[];
  readonly skipped: readonly SkippedVariant[];
  readonly kinds: readonly ProxyKind[];
}

/** Checks the options and builds each variant's spec; no traffic. */
export async function planProxy(options: ProxyOptions): Promise<ProxyPlan> {
  const kinds = listOf('--kind', options.kind ?? PROXY_DEFAULTS.kind, PROXY_KINDS);
  const variants = listOf('--variants', options.variants ?? PROXY_DEFAULTS.variants, PROXY_VARIANTS);
  const { runs, skipped } = variantsByKind(kinds, variants);
  const count = parsePositiveInt('--sources', options.sources ?? PROXY_DEFAULTS.sources);
  if (count > 1024) throw new PlanError('--sources', '--sources for the split is at most 1024 addresses');
  const splitKey = options.splitKey ?? PROXY_DEFAULTS.splitKey;
  if (!/^(\$[A-Za-z_][A-Za-z0-9_]*)+$/.test(splitKey))
    throw new PlanError(
      '--split-key',
      `--split-key '${splitKey}' must be nginx variables only, e.g. $remote_addr$remote_port or $request_id`,
    );
  const upstreamClose = options.upstreamClose ?? PROXY_DEFAULTS.upstreamClose;
  if (!UPSTREAM_CLOSE_POLICIES.includes(upstreamClose))
    throw new PlanError('--upstream-close', `--upstream-close must be ${UPSTREAM_CLOSE_POLICIES.map((p) => `'${p}'`).join(' or ')}`);
  const haproxyMode = options.haproxyMode ?? PROXY_DEFAULTS.haproxyMode;
  if (!HAPROXY_MODES.includes(haproxyMode))
    throw new PlanError('--haproxy-mode', `--haproxy-mode must be ${HAPROXY_MODES.map((p) => `'${p}'`).join(' or ')}`);
  const load: RunOptions = {
    ...(options.connections !== undefined ? { connections: String(options.connections) } : {}),
    ...(options.rate !== undefined ? { rate: String(options.rate) } : {}),
    ...(options.requests !== undefined ? { requests: String(options.requests) } : {}),
    ...(options.duration !== undefined || options.requests === undefined ? { duration: options.duration ?? PROXY_DEFAULTS.duration } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.sampleInterval !== undefined ? { sampleInterval: options.sampleInterval } : {}),
    ...(options.engine !== undefined ? { engine: options.engine } : {}),
    ...(options.workers !== undefined ? { workers: String(options.workers) } : {}),
  };
  const base = await resolveNamespace({
    netns: true,
    profile: options.profile ?? PROXY_DEFAULTS.profile,
    ...(options.profilesFile ? { profilesFile: options.profilesFile } : {}),
    sysctl: options.sysctl ?? [],
  });
  // With fewer idle slots than concurrent requests, nginx closes the excess upstream connections
  // after use, and churns (and exhausts) again: default to one slot per client connection.
  const keepaliveConnections = parsePositiveInt(
    '--keepalive-connections',
    options.keepaliveConnections ?? options.connections ?? PLAN_DEFAULTS.connections,
  );
  // The split addresses come from 127.0.1.0 upward: in the variant's own namespace all are free.
  const splitSources = parseSources(String(count), '127.0.1.1', '--sources');
  const specs = runs.map(([kind, variant]) => {
    const namespace: NamespaceSpec = { profile: base!.profile, sysctls: { ...base!.sysctls, ...variantSysctls(variant) } };
    // Validates the client-side options the way run does (exit 2 before any traffic).
    buildPlan({ ...load, target: 'http://127.0.0.1:8080/', close: 'keepalive' }, namespaceFacts(namespace), namespace);
    return {
      kind,
      variant,
      mode: modeOf(kind, variant, haproxyMode),
      splitSources,
      splitKey,
      upstreamClose,
      keepaliveConnections,
      load,
      namespace,
    };
  });
  return { specs, skipped, kinds };
}

/** Hooks of the scenario: a sweep's, and the variant starting. */
export type ProxyHooks = SweepHooks & {
  onVariant?: (spec: { kind: ProxyKind; variant: ProxyVariant }, index: number, count: number) => void;
};

/**
 * The upstream exhaustion case on real proxies: each proxy's variants, each in a fresh network
 * namespace (default profile narrow), the built-in target as upstream, the proxy in front, client
 * load through it. A variant the client interrupts ends the scenario with what it measured.
 */
export async function proxyScenario(options: ProxyOptions = {}, hooks: ProxyHooks = {}): Promise<ProxyResult> {
  const { specs, skipped, kinds } = await planProxy(options);
  const bins: Record<ProxyKind, string> = {
    nginx: kinds.includes('nginx') ? findProxy('nginx', options.nginxBin) : '',
    haproxy: kinds.includes('haproxy') ? findProxy('haproxy', options.haproxyBin) : '',
  };
  namespacePrefix();
  const startedAt = new Date().toISOString();
  const { done: variants, interrupted } = await walkUntilStopped(specs, hooks.signal, async (spec, i) => {
    hooks.onVariant?.(spec, i, specs.length);
    const label = `${spec.kind} ${spec.variant}`;
    const result = await runJobInNamespace<ProxyVariantResult>(
      { kind: 'proxy', spec: { ...spec, bin: bins[spec.kind] } },
      spec.namespace.sysctls,
      {
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        ...(hooks.onProgress ? { onProgress: (p) => hooks.onProgress!({ index: i, count: specs.length, axisValue: label }, p) } : {}),
      },
    );
    return { result, interrupted: result.client.interrupted };
  });
  return {
    ...resultHeader('proxy', startedAt, interrupted),
    profile: specs[0]?.namespace.profile ?? null,
    kinds,
    variants: [...variants],
    skipped,
  };
}

/** `portchurn nginx` as a library call: the proxy scenario for nginx alone. */
export function nginxScenario(
  options: Omit<ProxyOptions, 'kind' | 'haproxyBin' | 'haproxyMode'> = {},
  hooks: ProxyHooks = {},
): Promise<ProxyResult> {
  return proxyScenario({ ...options, kind: 'nginx' }, hooks);
}
