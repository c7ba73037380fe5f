import type { LoadSnapshot } from '../engine/load-snapshot.js';
import type { NativeAddon } from '../engine/native/addon.js';
import { runNativeLoad, type NativePart } from '../engine/native/native-load.js';
import { partitionLoad } from '../engine/partition.js';
import type { Plan } from '../plan/plan.js';
import { churnRequest, type ResolvedTarget } from './transport-for-plan.js';
import type { Progress } from '../result/progress.js';

/** Grace for in-flight attempts after an interrupt, as the JavaScript engine gives. */
const GRACE_MS = 2000;

/**
 * Runs a plan's load on the native engine: one thread per `--workers`, each with its share of
 * sources (dealt round-robin), connections or rate, and requests, as the JavaScript workers get.
 */
export function runNativeForPlan(
  addon: NativeAddon,
  plan: Plan,
  target: ResolvedTarget,
  skipPorts: ReadonlySet<number>,
  hooks: { signal?: AbortSignal; onProgress?: (p: Progress) => void },
): Promise<LoadSnapshot> {
  const shares = partitionLoad(plan, plan.workers);
  const request = churnRequest(plan, target);
  const n = shares.length;
  const parts: NativePart[] = shares.map((part, w) => ({
    sourceIndices: plan.sources.map((_, i) => i).filter((i) => i % n === w),
    config: {
      destinations: target.destinations,
      sources: part.sources,
      portMode: plan.portMode,
      ...(plan.socketPortRange ? { socketPortLow: plan.socketPortRange.low, socketPortHigh: plan.socketPortRange.high } : {}),
      ...(plan.explicitPorts
        ? { explicitLow: plan.explicitPorts.low, explicitHigh: plan.explicitPorts.high, skipPorts: [...skipPorts] }
        : {}),
      request,
      http: target.protocol === 'tcp' ? 0 : 1,
      expectBytes: plan.tcp.expectBytes,
      headRequest: plan.http.method === 'HEAD' ? 1 : 0,
      close: plan.close,
      connections: part.load.kind === 'closed' ? part.load.connections : part.load.maxInFlight,
      ratePerSec: part.load.kind === 'open' ? part.load.ratePerSec : 0,
      durationMs: plan.durationMs ?? -1,
      maxAttempts: part.requests ?? -1,
      timeoutMs: plan.timeoutMs,
      graceMs: GRACE_MS,
    },
  }));
  return runNativeLoad(addon, {
    parts,
    sourceLabels: plan.sources.length === 0 ? ['kernel'] : plan.sources,
    http: target.protocol !== 'tcp',
    durationMs: plan.durationMs,
    requests: plan.requests,
    ratePerSec: plan.load.kind === 'open' ? plan.load.ratePerSec : null,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
  });
}
