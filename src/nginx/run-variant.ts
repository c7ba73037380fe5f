import { createServer, type AddressInfo } from 'node:net';
import type { Progress } from '../engine/engine.js';
import type { NamespaceSpec } from '../lab/namespace-spec.js';
import { predictCapacity, type Prediction } from '../model/capacity.js';
import { buildPlan, type RunOptions } from '../plan/build-plan.js';
import type { RunResult } from '../result/result.js';
import { runPlan } from '../run.js';
import { startSampler, type Sampler, type SocketReport } from '../sampler/sampler.js';
import { startBuiltinTarget, type BuiltinTarget } from '../target/builtin-target.js';
import type { TargetStats } from '../target/stats.js';
import { renderNginxConfig, type NginxVariant } from './config.js';
import { countErrorLog, type ErrorLogCounts } from './error-log.js';
import { makePrefix, removePrefix, startNginx, type NginxProcess } from './nginx-process.js';

/** One variant to run, as the parent sends it to the namespace child. */
export interface NginxVariantSpec {
  readonly variant: NginxVariant;
  readonly nginxBin: string;
  readonly splitSources: readonly string[];
  readonly splitKey: string;
  /** How the built-in upstream ends connections: `client` (default) keeps them open, so nginx closes first. */
  readonly upstreamClose: 'client' | 'server';
  readonly keepaliveConnections: number;
  /** The client side's load: connections or rate, duration or requests, timeout, sample interval. */
  readonly load: RunOptions;
  /** The namespace's settings, recorded in the result. */
  readonly namespace: NamespaceSpec;
}

/** What one variant measured. */
export interface NginxVariantResult {
  readonly variant: NginxVariant;
  readonly config: string;
  readonly upstreamClose: 'client' | 'server';
  readonly splitKey: string | null;
  /** The client side, through nginx (keepalive connections to nginx). */
  readonly client: RunResult;
  /** What the built-in upstream counted: connections per source address prove the split. */
  readonly upstream: TargetStats;
  /** nginx's upstream-side sockets (its connections to the upstream), sampled by state. */
  readonly upstreamSockets: SocketReport | null;
  readonly errorLog: ErrorLogCounts;
  /** The capacity model for the proxy-to-upstream hop. */
  readonly model: Prediction;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Runs one nginx variant inside the current (namespace) process: the built-in target as the
 * upstream, nginx with the variant's configuration in a private prefix in front of it, a sampler
 * on nginx's upstream connections, and the client load through nginx. nginx, the target and the
 * prefix are gone when it returns or throws.
 */
export async function runNginxVariant(spec: NginxVariantSpec, hooks: { signal?: AbortSignal; onProgress?: (p: Progress) => void }): Promise<NginxVariantResult> {
  let target: BuiltinTarget | null = null;
  let nginx: NginxProcess | null = null;
  let sampler: Sampler | null = null;
  const prefix = await makePrefix();
  try {
    target = await startBuiltinTarget({ listen: [{ host: '127.0.0.1', port: 0 }], close: spec.upstreamClose, delayMs: 0, bodyBytes: 2 });
    const upstream = target.addresses[0]!;
    const listenPort = await freePort();
    const config = renderNginxConfig({
      variant: spec.variant,
      prefix,
      listenPort,
      upstream,
      splitSources: spec.splitSources,
      splitKey: spec.splitKey,
      keepaliveConnections: spec.keepaliveConnections,
    });
    nginx = await startNginx(spec.nginxBin, prefix, config, listenPort);
    // nginx's upstream connections: from the split addresses, or (no bind) from 127.0.0.1.
    const proxySources = spec.variant === 'split' ? spec.splitSources : [];
    // The client side keeps its connections to nginx alive, as browsers behind a balancer do.
    const plan = buildPlan({ ...spec.load, target: `http://127.0.0.1:${listenPort}/`, close: 'keepalive' }, { ephemeralPorts: { low: 1024, high: 65535 }, isolated: true }, spec.namespace);
    if (plan.sampleIntervalMs > 0) sampler = await startSampler({ sources: proxySources, destinations: [upstream] }, plan.sampleIntervalMs);
    const client = await runPlan(plan, hooks);
    const env = client.environment.sysctls;
    const [low = 32768, high = 60999] = (env['net.ipv4.ip_local_port_range'] ?? '').split(' ').map(Number);
    const model = predictCapacity({
      close: spec.variant === 'keepalive' ? 'keepalive' : spec.upstreamClose === 'client' ? 'client' : 'server',
      portMode: spec.variant === 'split' ? 'bind' : 'kernel',
      sources: spec.variant === 'split' ? spec.splitSources.length : 1,
      destinations: 1,
      loopback: true,
      ephemeralPorts: { low, high },
      reservedPorts: env['net.ipv4.ip_local_reserved_ports'] ?? '',
      explicitPorts: null,
      twReuse: env['net.ipv4.tcp_tw_reuse'] === null ? null : Number(env['net.ipv4.tcp_tw_reuse']),
      twReuseDelayMs: env['net.ipv4.tcp_tw_reuse_delay'] === null ? null : Number(env['net.ipv4.tcp_tw_reuse_delay']),
      timestamps: env['net.ipv4.tcp_timestamps'] === null ? null : Number(env['net.ipv4.tcp_timestamps']),
      maxTwBuckets: env['net.ipv4.tcp_max_tw_buckets'] === null ? null : Number(env['net.ipv4.tcp_max_tw_buckets']),
      durationSec: client.totals.durationMs / 1000,
      offeredRatePerSec: null,
    });
    const upstreamSockets = sampler ? await sampler.stop(model.usablePorts) : null;
    sampler = null;
    await nginx.stop();
    const errorLog = countErrorLog(await nginx.readErrorLog());
    nginx = null;
    const stats = await target.close();
    target = null;
    return { variant: spec.variant, config, upstreamClose: spec.upstreamClose, splitKey: spec.variant === 'split' ? spec.splitKey : null, client, upstream: stats, upstreamSockets, errorLog, model };
  } finally {
    await sampler?.stop(null);
    await nginx?.stop();
    await target?.close();
    await removePrefix(prefix);
  }
}
