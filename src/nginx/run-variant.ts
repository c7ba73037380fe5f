import { freePort } from '../env/free-port.js';
import { predictCapacity } from '../model/capacity.js';
import { kernelSettingsOf } from '../model/kernel-settings.js';
import { buildPlan } from '../plan/build-plan.js';
import { runPlan } from '../runner/run-plan.js';
import { startSampler, type Sampler } from '../sampler/sampler.js';
import { startBuiltinTarget, type BuiltinTarget } from '../target/builtin-target.js';
import { renderNginxConfig } from './config.js';
import { countErrorLog } from './error-log.js';
import { makePrefix, removePrefix, startNginx, type NginxProcess } from './nginx-process.js';
import type { NginxVariantResult } from '../result/nginx-result.js';
import type { NginxVariantSpec } from '../plan/nginx-variants.js';
import type { RunHooks } from '../runner/run-plan.js';

/**
 * Runs one nginx variant inside the current (namespace) process: the built-in target as the
 * upstream, nginx with the variant's configuration in a private prefix in front of it, a sampler
 * on nginx's upstream connections, and the client load through nginx. nginx, the target and the
 * prefix are gone when it returns or throws.
 */
export async function runNginxVariant(spec: NginxVariantSpec, hooks: RunHooks): Promise<NginxVariantResult> {
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
    const plan = buildPlan(
      { ...spec.load, target: `http://127.0.0.1:${listenPort}/`, close: 'keepalive' },
      { ephemeralPorts: { low: 1024, high: 65535 }, isolated: true },
      spec.namespace,
    );
    if (plan.sampleIntervalMs > 0) sampler = await startSampler({ sources: proxySources, destinations: [upstream] }, plan.sampleIntervalMs);
    const client = await runPlan(plan, hooks);
    const model = predictCapacity({
      ...kernelSettingsOf(client.environment.sysctls),
      close: spec.variant === 'keepalive' ? 'keepalive' : spec.upstreamClose === 'client' ? 'client' : 'server',
      portMode: spec.variant === 'split' ? 'bind' : 'kernel',
      sources: spec.variant === 'split' ? spec.splitSources.length : 1,
      destinations: 1,
      loopback: true,
      explicitPorts: null,
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
    return {
      variant: spec.variant,
      config,
      upstreamClose: spec.upstreamClose,
      splitKey: spec.variant === 'split' ? spec.splitKey : null,
      client,
      upstream: stats,
      upstreamSockets,
      errorLog,
      model,
    };
  } finally {
    await sampler?.stop(null);
    await nginx?.stop();
    await target?.close();
    await removePrefix(prefix);
  }
}
