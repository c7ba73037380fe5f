import { isLoopback } from '../plan/addresses.js';
import type { Plan } from '../plan/plan.js';
import { predictCapacity } from './capacity.js';
import { kernelSettingsOf } from './kernel-settings.js';
import type { Environment } from '../result/environment.js';
import type { PortSearchCalibration, Prediction } from '../result/prediction.js';
import type { RunResult } from '../result/result.js';
import { predictPortSearch } from './port-search.js';

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

/**
 * A run result with the port search's prediction and the probe's calibration in it: where the
 * fall comes for its (source, destination) pairs, and the stage's expected ok/s (what meas/model
 * compares with). Pure: `calibration` is what the probe measured, or null (not calibrated: the
 * fall is still predicted, what follows it is not).
 */
export function withPortSearch(run: RunResult, calibration: PortSearchCalibration | null): RunResult {
  const m = run.model;
  const environment = { ...run.environment, portSearch: calibration };
  // Only where ports stay held: the client closes first and no bucket cap lets them go.
  if (!m.portBound || m.usablePorts === null || m.holdSec === null) return { ...run, environment, model: { ...m, portSearch: null } };
  const sources = Math.max(1, run.plan.portMode === 'kernel' ? 1 : run.plan.sources.length);
  const pairs = run.plan.portMode === 'bind' ? sources : sources * Math.max(1, run.target.endpoints.length);
  const portSearch = predictPortSearch({
    portMode: run.plan.portMode,
    pairs,
    usablePorts: m.usablePorts,
    holdSec: m.holdSec,
    durationSec: run.totals.durationMs / 1000,
    threads: Math.max(1, run.plan.workers),
    okPerSecond: run.timeSeries.map((s) => s.ok),
    calibration,
  });
  return { ...run, environment, model: { ...m, portSearch } };
}
