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
import { findNginx } from './nginx-process.js';
import { namespaceFacts, type NamespaceSpec } from '../plan/namespace.js';
import type { NginxResult, NginxVariantResult } from '../result/nginx-result.js';
import { PLAN_DEFAULTS } from '../plan/plan.js';
import { NGINX_VARIANTS, type NginxVariant, type NginxVariantSpec } from '../plan/nginx-variants.js';

/** Options of `portchurn nginx`. */
export interface NginxOptions {
  /** Comma list. Default `plain,split,keepalive`. */
  variants?: string;
  /** split: how many loopback source addresses nginx binds to. Default 8. */
  sources?: string | number;
  /** split: the split_clients key. Default the blog's `$remote_addr$remote_port`. */
  splitKey?: string;
  /** How the upstream ends connections. Default `client` (nginx closes first, as in the blog). */
  upstreamClose?: (typeof UPSTREAM_CLOSE_POLICIES)[number];
  nginxBin?: string;
  /** Default `narrow`, so the case reproduces within seconds. */
  profile?: string;
  profilesFile?: string;
  sysctl?: readonly string[];
  /** Client side: keepalive connections to nginx (default 64), or an open-loop rate. */
  connections?: string | number;
  rate?: string | number;
  /** Default `20s`. */
  duration?: string;
  requests?: string | number;
  timeout?: string;
  sampleInterval?: string;
  /** keepalive: idle upstream connections nginx keeps. Default: as many as the client has (64). */
  keepaliveConnections?: string | number;
  /** The client side's engine: `auto` (default), `native` or `js`. */
  engine?: RunOptions['engine'];
}

/** How the upstream ends its connections. */
export const UPSTREAM_CLOSE_POLICIES = ['client', 'server'] as const;

/** The scenario's own defaults, stated once (the CLI's help reads them): the blog's case within seconds. */
export const NGINX_DEFAULTS = {
  variants: 'plain,split,keepalive',
  sources: 8,
  duration: '20s',
  profile: 'narrow',
  splitKey: '$remote_addr$remote_port',
  upstreamClose: 'client',
} as const;

/** Settings a variant adds in its namespace: `wide` widens the port range, `reuse` turns tcp_tw_reuse on. */
export function variantSysctls(variant: NginxVariant): SysctlSet {
  if (variant === 'wide') return { 'net.ipv4.ip_local_port_range': '1024 65535' };
  if (variant === 'reuse') return { 'net.ipv4.tcp_tw_reuse': '1' };
  return {};
}

/** Checks the options and builds each variant's spec; no traffic. */
export async function planNginx(options: NginxOptions): Promise<NginxVariantSpec[]> {
  const variants = (options.variants ?? NGINX_DEFAULTS.variants)
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (variants.length === 0) throw new PlanError('--variants', '--variants names no variant');
  for (const v of variants)
    if (!(NGINX_VARIANTS as readonly string[]).includes(v))
      throw new PlanError('--variants', `--variants '${v}' must be among ${NGINX_VARIANTS.join(', ')}`);
  const count = parsePositiveInt('--sources', options.sources ?? NGINX_DEFAULTS.sources);
  if (count > 1024) throw new PlanError('--sources', '--sources for the split is at most 1024 addresses');
  const splitKey = options.splitKey ?? NGINX_DEFAULTS.splitKey;
  if (!/^(\$[A-Za-z_][A-Za-z0-9_]*)+$/.test(splitKey))
    throw new PlanError(
      '--split-key',
      `--split-key '${splitKey}' must be nginx variables only, e.g. $remote_addr$remote_port or $request_id`,
    );
  const upstreamClose = options.upstreamClose ?? NGINX_DEFAULTS.upstreamClose;
  if (!UPSTREAM_CLOSE_POLICIES.includes(upstreamClose))
    throw new PlanError('--upstream-close', `--upstream-close must be ${UPSTREAM_CLOSE_POLICIES.map((p) => `'${p}'`).join(' or ')}`);
  const load: RunOptions = {
    ...(options.connections !== undefined ? { connections: String(options.connections) } : {}),
    ...(options.rate !== undefined ? { rate: String(options.rate) } : {}),
    ...(options.requests !== undefined ? { requests: String(options.requests) } : {}),
    ...(options.duration !== undefined || options.requests === undefined ? { duration: options.duration ?? NGINX_DEFAULTS.duration } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.sampleInterval !== undefined ? { sampleInterval: options.sampleInterval } : {}),
    ...(options.engine !== undefined ? { engine: options.engine } : {}),
  };
  const base = await resolveNamespace({
    netns: true,
    profile: options.profile ?? NGINX_DEFAULTS.profile,
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
  return variants.map((variant) => {
    const namespace: NamespaceSpec = { profile: base!.profile, sysctls: { ...base!.sysctls, ...variantSysctls(variant as NginxVariant) } };
    // Validates the client-side options the way run does (exit 2 before any traffic).
    buildPlan({ ...load, target: 'http://127.0.0.1:8080/', close: 'keepalive' }, namespaceFacts(namespace), namespace);
    return { variant: variant as NginxVariant, nginxBin: '', splitSources, splitKey, upstreamClose, keepaliveConnections, load, namespace };
  });
}

/**
 * The nginx upstream exhaustion case: each variant in a fresh network namespace (default
 * profile narrow), the built-in target as upstream, a real nginx in front, client load through it.
 */
export async function nginxScenario(
  options: NginxOptions = {},
  hooks: SweepHooks & { onVariant?: (variant: NginxVariant, index: number, count: number) => void } = {},
): Promise<NginxResult> {
  const specs = await planNginx(options);
  const nginxBin = findNginx(options.nginxBin);
  namespacePrefix();
  const startedAt = new Date().toISOString();
  const variants: NginxVariantResult[] = [];
  let interrupted = false;
  for (const [i, spec] of specs.entries()) {
    if (hooks.signal?.aborted) {
      interrupted = true;
      break;
    }
    hooks.onVariant?.(spec.variant, i, specs.length);
    const result = await runJobInNamespace<NginxVariantResult>({ kind: 'nginx', spec: { ...spec, nginxBin } }, spec.namespace.sysctls, {
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(hooks.onProgress ? { onProgress: (p) => hooks.onProgress!({ index: i, count: specs.length, axisValue: spec.variant }, p) } : {}),
    });
    variants.push(result);
    if (result.client.interrupted) {
      interrupted = true;
      break;
    }
  }
  return {
    ...resultHeader('nginx', startedAt, interrupted),
    profile: specs[0]?.namespace.profile ?? null,
    variants,
  };
}
