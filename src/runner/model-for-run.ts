import { ephemeralRangeOf, type Environment } from '../env/environment.js';
import { isLoopback } from '../plan/addresses.js';
import type { Plan } from '../plan/plan.js';
import { predictCapacity, type Prediction } from '../model/capacity.js';

function numberOrNull(text: string | null): number | null {
  if (text === null || text.trim() === '') return null;
  const n = Number(text.trim().split(' ')[0]);
  return Number.isFinite(n) ? n : null;
}

/** The capacity model for a run, from its plan, the settings it read and how long it ran. */
export function modelForRun(plan: Plan, environment: Environment, destinations: readonly { host: string; port: number }[], durationMs: number): Prediction {
  const s = environment.sysctls;
  const { low, high } = ephemeralRangeOf(s['net.ipv4.ip_local_port_range']);
  return predictCapacity({
    close: plan.close,
    portMode: plan.portMode,
    sources: Math.max(1, plan.sources.length),
    destinations: destinations.length,
    loopback: destinations.every((d) => isLoopback(d.host)),
    // A socket range narrows ip_local_port_range to where the two overlap (checked before the run).
    ephemeralPorts: plan.socketPortRange ? { low: Math.max(low, plan.socketPortRange.low), high: Math.min(high, plan.socketPortRange.high) } : { low, high },
    reservedPorts: s['net.ipv4.ip_local_reserved_ports'] ?? '',
    explicitPorts: plan.explicitPorts,
    twReuse: numberOrNull(s['net.ipv4.tcp_tw_reuse']),
    twReuseDelayMs: numberOrNull(s['net.ipv4.tcp_tw_reuse_delay']),
    timestamps: numberOrNull(s['net.ipv4.tcp_timestamps']),
    maxTwBuckets: numberOrNull(s['net.ipv4.tcp_max_tw_buckets']),
    durationSec: durationMs / 1000,
    offeredRatePerSec: plan.load.kind === 'open' ? plan.load.ratePerSec : null,
  });
}
