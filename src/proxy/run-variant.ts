import { performance } from 'node:perf_hooks';
import { freePort } from '../env/free-port.js';
import { predictCapacity } from '../model/capacity.js';
import { kernelSettingsOf } from '../model/kernel-settings.js';
import { timeWaitHolder, upstreamChurn } from '../model/proxy-churn.js';
import { buildPlan, type RunOptions } from '../plan/build-plan.js';
import type { ClosePolicy, PortMode } from '../plan/plan.js';
import { parsePortRange, type PortRange } from '../plan/ports.js';
import type { ProxyVariantSpec } from '../plan/proxy-variants.js';
import type { HaproxyCounters, ProxyVariantResult } from '../result/proxy-result.js';
import { runPlan, type RunHooks } from '../runner/run-plan.js';
import { startSampler, type Sampler } from '../sampler/sampler.js';
import { startBuiltinTarget, type BuiltinTarget } from '../builtin-target/builtin-target.js';
import { renderHaproxyConfig, statsSocketPath } from './haproxy/config.js';
import { HaproxyLogCounter } from './haproxy/log.js';
import { startHaproxy } from './haproxy/process.js';
import { readHaproxyCounters } from './haproxy/stats.js';
import { pollSerially } from './poll-serially.js';
import { GroupCpuSeries } from './proxy-cpu.js';
import { proxyPortSearch } from '../model/proxy-port-search.js';
import { renderNginxConfig } from './nginx/config.js';
import { countErrorLog } from './nginx/error-log.js';
import { NGINX_PREFIX_DIRS, startNginx } from './nginx/process.js';
import { makePrefix, removePrefix, type ProxyProcess } from './proxy-process.js';

/** HAProxy's backend in the generated configuration. */
const HAPROXY_BACKEND = 'upstream';
/** tcp mode: the client's own source addresses, apart from every address the proxy binds. */
const TCP_CLIENT_SOURCES = { count: 64, base: '127.0.2.1' } as const;

/** The namespace's ip_local_port_range, as the variant's settings give it (the kernel's default otherwise). */
function portRangeOf(spec: ProxyVariantSpec): PortRange {
  const text = spec.namespace.sysctls['net.ipv4.ip_local_port_range'];
  return text ? parsePortRange('ip_local_port_range', text.trim().replace(/\s+/, '-')) : { low: 32768, high: 60999 };
}

/**
 * The client side's load. Through an HTTP proxy it keeps its connections, as browsers behind a
 * balancer do. Through HAProxy in tcp mode each request is a connection of its own, closed by the
 * client first, from 64 addresses of its own with ports it binds itself above the namespace's
 * range: connect() never gives HAProxy a port the client holds (a port bound by bind() is taken
 * for connect()'s choice on every address), so the proxy's ports are the proxy's alone.
 */
function clientLoad(spec: ProxyVariantSpec, listenPort: number, range: PortRange): RunOptions {
  const target = `http://127.0.0.1:${listenPort}/`;
  if (spec.mode === 'http') return { ...spec.load, target, close: 'keepalive' };
  return {
    ...spec.load,
    target,
    close: 'client',
    sources: TCP_CLIENT_SOURCES.count,
    sourceBase: TCP_CLIENT_SOURCES.base,
    portMode: 'explicit',
    // `wide` leaves no room above its range: the client then takes the lowest ports of it.
    ...(range.high >= 65000 ? { explicitPorts: `${range.low}-${range.low + 9999}` } : {}),
  };
}

/** How the proxy picks its upstream source ports, for the model. */
function proxyPortPath(spec: ProxyVariantSpec, range: PortRange): { portMode: PortMode; sources: number; explicitPorts: PortRange | null } {
  // nginx (proxy_bind) and HAProxy (`source`) set IP_BIND_ADDRESS_NO_PORT: connect() picks the port per 4-tuple.
  if (spec.variant === 'split') return { portMode: 'nobind', sources: spec.splitSources.length, explicitPorts: null };
  if (spec.variant === 'ports') return { portMode: 'explicit', sources: 1, explicitPorts: range };
  return { portMode: 'kernel', sources: 1, explicitPorts: null };
}

const CLOSE_OF: Record<ReturnType<typeof timeWaitHolder>, ClosePolicy> = { proxy: 'client', upstream: 'server', nobody: 'reset' };

interface StartedProxy {
  readonly process: ProxyProcess;
  readonly config: string;
  readErrorLog(): Promise<ProxyVariantResult['errorLog']>;
  readCounters(atMs: number): Promise<HaproxyCounters | null>;
}

async function startProxy(
  spec: ProxyVariantSpec,
  prefix: string,
  listenPort: number,
  upstream: { host: string; port: number },
  range: PortRange,
  now: () => number,
): Promise<StartedProxy> {
  if (spec.kind === 'nginx') {
    const config = renderNginxConfig({
      variant: spec.variant,
      prefix,
      listenPort,
      upstream,
      splitSources: spec.splitSources,
      splitKey: spec.splitKey,
      keepaliveConnections: spec.keepaliveConnections,
    });
    const nginx = await startNginx(spec.bin, prefix, config, listenPort, now);
    return {
      process: nginx,
      config,
      readErrorLog: async () => countErrorLog(await nginx.readErrorLog()),
      readCounters: () => Promise.resolve(null),
    };
  }
  const config = renderHaproxyConfig({
    variant: spec.variant,
    mode: spec.mode,
    prefix,
    listenPort,
    upstream,
    source: '127.0.0.1',
    splitSources: spec.splitSources,
    portRange: range,
  });
  const log = new HaproxyLogCounter();
  const haproxy = await startHaproxy(spec.bin, prefix, config, listenPort, now, (line) => log.add(line));
  return {
    process: haproxy,
    config,
    readErrorLog: () => Promise.resolve(log.counts()),
    readCounters: (atMs) => readHaproxyCounters(statsSocketPath(prefix), HAPROXY_BACKEND, atMs),
  };
}

/**
 * Runs one proxy variant inside the current (namespace) process: the built-in target as the
 * upstream, the proxy with the variant's configuration in a private prefix in front of it, a
 * sampler on the proxy's upstream connections, and the client load through the proxy. HAProxy's
 * counters are read every second, so a proxy that dies keeps what it had counted. The proxy, the
 * target and the prefix are gone when it returns or throws.
 */
export async function runProxyVariant(spec: ProxyVariantSpec, hooks: RunHooks): Promise<ProxyVariantResult> {
  let target: BuiltinTarget | null = null;
  let proxy: StartedProxy | null = null;
  let sampler: Sampler | null = null;
  let poll: { stop(): Promise<void> } | null = null;
  let cpuPoll: { stop(): Promise<void> } | null = null;
  const prefix = await makePrefix(spec.kind, spec.kind === 'nginx' ? NGINX_PREFIX_DIRS : []);
  const range = portRangeOf(spec);
  let loadStart = performance.now();
  const sinceLoad = (): number => performance.now() - loadStart;
  try {
    target = await startBuiltinTarget({ listen: [{ host: '127.0.0.1', port: 0 }], close: spec.upstreamClose, delayMs: 0, bodyBytes: 2 });
    const upstream = target.addresses[0]!;
    const listenPort = await freePort();
    proxy = await startProxy(spec, prefix, listenPort, upstream, range, sinceLoad);
    const started = proxy;
    const plan = buildPlan(clientLoad(spec, listenPort, range), { ephemeralPorts: range, isolated: true }, spec.namespace);
    if (plan.sampleIntervalMs > 0)
      sampler = await startSampler(
        { sources: spec.variant === 'split' ? spec.splitSources : [], destinations: [upstream] },
        plan.sampleIntervalMs,
      );
    let counters: HaproxyCounters | null = null;
    const readCounters = async (): Promise<void> => {
      if (started.process.exit()) return;
      counters = (await started.readCounters(Math.round(sinceLoad())).catch(() => null)) ?? counters;
    };
    const cpuSeries = new GroupCpuSeries(started.process.pid);
    loadStart = performance.now();
    // Every second, one read at a time: a slow answer delays the next rather than overlapping it.
    if (spec.kind === 'haproxy') poll = pollSerially(readCounters, 1000);
    cpuPoll = pollSerially(() => cpuSeries.sample(sinceLoad()), 1000);
    const client = await runPlan(plan, hooks);
    await cpuPoll.stop();
    cpuPoll = null;
    await cpuSeries.sample(sinceLoad());
    await poll?.stop();
    poll = null;
    await readCounters();
    // What the upstream counted while the proxy ran: stopping the proxy ends its kept connections too.
    const upstreamStats = await target.stats();
    const durationSec = client.totals.durationMs / 1000;
    const heldBy = timeWaitHolder(spec.kind, spec.variant, spec.mode, spec.upstreamClose);
    const path = proxyPortPath(spec, range);
    // Keepalive variants: modelled as the proxy closing first, the churn reading says how often it does.
    const model = predictCapacity({
      ...kernelSettingsOf(client.environment.sysctls),
      close: CLOSE_OF[heldBy],
      ...path,
      destinations: 1,
      loopback: true,
      durationSec,
      offeredRatePerSec: null,
    });
    const proxyCpu = cpuSeries.result(client.totals.durationMs);
    const portSearch = proxyPortSearch({
      portMode: path.portMode,
      sources: path.sources,
      model,
      proxyHoldsTimeWait: heldBy === 'proxy',
      upstreamConnections: upstreamStats.connections,
      clientOkPerSecond: client.timeSeries.map((s) => s.ok),
      cpu: proxyCpu,
    });
    const upstreamSockets = sampler ? await sampler.stop(model.usablePorts) : null;
    sampler = null;
    const proxyExit = started.process.exit();
    await started.process.stop();
    const errorLog = await started.readErrorLog();
    proxy = null;
    await target.close();
    target = null;
    return {
      kind: spec.kind,
      variant: spec.variant,
      mode: spec.mode,
      config: started.config,
      upstreamClose: spec.upstreamClose,
      splitKey: spec.kind === 'nginx' && spec.variant === 'split' ? spec.splitKey : null,
      client,
      upstream: upstreamStats,
      upstreamSockets,
      errorLog,
      counters,
      churn: upstreamChurn({
        kind: spec.kind,
        variant: spec.variant,
        mode: spec.mode,
        upstreamClose: spec.upstreamClose,
        upstream: upstreamStats,
        durationSec,
        model,
      }),
      model,
      proxyExit,
      proxyCpu,
      portSearch,
    };
  } finally {
    await cpuPoll?.stop();
    await poll?.stop();
    await sampler?.stop(null);
    await proxy?.process.stop();
    await target?.close();
    await removePrefix(prefix);
  }
}
