import { isLoopback } from '../plan/addresses.js';
import type { Plan } from '../plan/plan.js';
import { predictCapacity } from './capacity.js';
import { kernelSettingsOf } from './kernel-settings.js';
import type { Environment } from '../result/environment.js';
import type { Prediction } from '../result/prediction.js';

/** The capacity model for a run, from its plan, the settings it read and how long it ran. */
export function modelForRun(
  plan: Plan,
  environment: Environment,
  destinations: readonly { host: string; port: number }[],
  durationMs: number,
): Prediction {
  const settings = kernelSettingsOf(environment.sysctls);
  const { low, high } = settings.ephemeralPorts;
  return predictCapacity({
    ...settings,
    close: plan.close,
    portMode: plan.portMode,
    sources: Math.max(1, plan.sources.length),
    destinations: destinations.length,
    loopback: destinations.every((d) => isLoopback(d.host)),
    // A socket range narrows ip_local_port_range to where the two overlap (checked before the run).
    ephemeralPorts: plan.socketPortRange
      ? { low: Math.max(low, plan.socketPortRange.low), high: Math.min(high, plan.socketPortRange.high) }
      : { low, high },
    explicitPorts: plan.explicitPorts,
    durationSec: durationMs / 1000,
    offeredRatePerSec: plan.load.kind === 'open' ? plan.load.ratePerSec : null,
  });
}
