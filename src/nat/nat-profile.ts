import { PlanError } from '../errors.js';
import { CONNTRACK_TIME_WAIT_SEC } from '../model/nat-budget.js';
import { natProfiles } from '../model/nat-systems.js';
import type { NatSceneProfile } from '../result/nat-result.js';

/** The ports a profile's default scale leaves per (NAT address, destination), or per pod where it allocates per source. */
export const PROFILE_PORTS = 16;

/**
 * A system's NAT reproduced at a scale a stage can fill in seconds: its published ports divided by
 * `scale` (by default the factor that leaves PROFILE_PORTS), and conntrack's timeouts in the
 * router divided by the same factor (TIME_WAIT from the system's hold after close, ESTABLISHED
 * from its idle timeout; at least 1 s each), so ports and time shrink together. The router stays
 * Linux's NAT: the system's figures, not its implementation.
 */
export function sceneProfileOf(name: string, kernel: string, scale?: number): NatSceneProfile {
  const all = natProfiles(kernel);
  const profile = all.find((p) => p.name === name);
  if (!profile) throw new PlanError('--profile', `--profile ${name}: one of ${all.map((p) => p.name).join(', ')}`);
  const factor = scale ?? Math.max(1, Math.ceil(profile.portsPerDestination / PROFILE_PORTS));
  if (!Number.isFinite(factor) || factor < 1) throw new PlanError('--scale', `--scale ${scale}: 1 or more`);
  const ports = Math.max(1, Math.round(profile.portsPerDestination / factor));
  // Linux from 6.5 states no hold (a new SYN takes the mapping back): conntrack's own TIME_WAIT, scaled.
  const hold = profile.holdAfterCloseSec === null ? null : profile.holdAfterCloseSec || CONNTRACK_TIME_WAIT_SEC;
  const scaled = (sec: number): number => Math.max(1, Math.round(sec / factor));
  const timeouts: Record<string, number> = {};
  if (hold !== null) timeouts['time_wait'] = scaled(hold);
  if (profile.idleSec !== undefined && profile.idleSec !== null) timeouts['established'] = scaled(profile.idleSec);
  return {
    name: profile.name,
    system: profile.system,
    scale: factor,
    publishedPorts: profile.portsPerDestination,
    ports,
    perSource: profile.perSource ?? false,
    conntrackTimeouts: timeouts,
    source: profile.source,
  };
}
