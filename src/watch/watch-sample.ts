import { hostPort, isLoopback } from '../plan/addresses.js';
import type { WatchPlan } from '../plan/watch-plan.js';
import { connectReusesTimeWait, portHoldSec, TIME_WAIT_SEC } from '../model/capacity.js';
import { kernelSettingsOf, type SysctlValues } from '../model/kernel-settings.js';

import { resultHeader } from '../result/header.js';
import type { NetnsLabel, PortBudget, WatchGroup, WatchNat, WatchSample } from '../result/watch-sample.js';
import type { SocketSource } from '../result/sockets.js';
import { TCP, type SocketRow } from '../sampler/socket-dump.js';
import { boundWithoutDestination, portBudgetOf } from './port-budget.js';
import { secondsToExhaustion } from './exhaustion.js';
import { watchNatOf, type NatReading } from './nat-watch.js';

/** The TIME_WAIT settings a sample reads once for all its groups. */
type KernelSettings = ReturnType<typeof kernelSettingsOf>;

/** One read of a namespace: its sockets and settings, and when (monotonic ms, and wall time). */
export interface Snapshot {
  readonly atMs: number;
  readonly at: Date;
  readonly via: SocketSource;
  readonly seesBoundOnly: boolean;
  readonly rows: readonly SocketRow[];
  readonly sysctls: SysctlValues;
  /** How long the read took, ms. */
  readonly readMs?: number;
  /** The namespace's NAT rules and conntrack, where the watch reads them. */
  readonly nat?: NatReading | null;
}

interface Tally {
  readonly source: string;
  readonly destination: string;
  readonly destinationPort: number;
  established: number;
  other: number;
  /** TIME_WAIT timers in ms. */
  readonly timeWaitMs: number[];
  fresh: number;
}

/** A listening address:port, wildcard listeners as port alone: the sockets accepted there are server sides. */
function listenerKeys(rows: readonly SocketRow[]): Set<string> {
  const keys = new Set<string>();
  for (const r of rows) {
    if (r.state !== TCP.listen) continue;
    keys.add(r.source === '0.0.0.0' || r.source === '::' ? `*|${r.sourcePort}` : `${r.source}|${r.sourcePort}`);
  }
  return keys;
}

/** The client side of each connection, by (source, destination address:port). */
function tallyGroups(rows: readonly SocketRow[], seen: ReadonlySet<string> | null): Map<string, Tally> {
  const listeners = listenerKeys(rows);
  const groups = new Map<string, Tally>();
  for (const r of rows) {
    if (boundWithoutDestination(r) || r.destinationPort === 0) continue;
    if (listeners.has(`${r.source}|${r.sourcePort}`) || listeners.has(`*|${r.sourcePort}`)) continue; // accepted: the server's side
    const key = `${r.source}|${r.destination}|${r.destinationPort}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        source: r.source,
        destination: r.destination,
        destinationPort: r.destinationPort,
        established: 0,
        other: 0,
        timeWaitMs: [],
        fresh: 0,
      };
      groups.set(key, g);
    }
    if (r.state === TCP.timeWait) g.timeWaitMs.push(r.timerMs);
    else if (r.state === TCP.established) g.established++;
    else g.other++;
    if (seen !== null && !seen.has(r.id)) g.fresh++;
  }
  return groups;
}

/** One group's figures: what it holds of its usable ports, and when it runs out at its rate. */
function groupOf(t: Tally, budget: PortBudget, k: KernelSettings, intervalMs: number | null): WatchGroup {
  const ratePerSec = intervalMs === null || intervalMs <= 0 ? null : (t.fresh * 1000) / intervalMs;
  const twReuse = connectReusesTimeWait(k.twReuse, k.timestamps, isLoopback(t.source) || isLoopback(t.destination));
  const holdSec = twReuse ? portHoldSec(k.twReuseDelayMs) : TIME_WAIT_SEC;
  // A TIME_WAIT port is held until freed, or with reuse until it is older than the reuse delay.
  const releasesSec = t.timeWaitMs.map((ms) => (twReuse ? holdSec - (TIME_WAIT_SEC - ms / 1000) : ms / 1000)).filter((sec) => sec > 0);
  const steady = t.established + t.other;
  const held = steady + releasesSec.length;
  const usable = budget.usablePorts;
  return {
    source: t.source,
    destination: t.destination,
    destinationPort: t.destinationPort,
    established: t.established,
    timeWait: t.timeWaitMs.length,
    other: t.other,
    held,
    usablePorts: usable,
    heldShare: usable > 0 ? held / usable : 1,
    newConnections: intervalMs === null ? null : t.fresh,
    newPerSec: ratePerSec,
    twReuse,
    holdSec,
    exhaustionInSec: secondsToExhaustion({ usablePorts: usable, steady, releasesSec, ratePerSec: ratePerSec ?? 0, holdSec }),
    steadyHeld: ratePerSec === null ? null : steady + ratePerSec * holdSec,
  };
}

/** Closest to exhaustion first; then the larger share; then by name, so the order is stable. */
function closestFirst(a: WatchGroup, b: WatchGroup): number {
  const ea = a.exhaustionInSec ?? Infinity;
  const eb = b.exhaustionInSec ?? Infinity;
  if (ea !== eb) return ea - eb;
  if (a.heldShare !== b.heldShare) return b.heldShare - a.heldShare;
  return `${a.source} ${hostPort(a.destination, a.destinationPort)}`.localeCompare(
    `${b.source} ${hostPort(b.destination, b.destinationPort)}`,
  );
}

/**
 * A watch sample from the current read, and the previous one for the rates (null: a first read,
 * no rates). Pure: the clock's readings are in the snapshots.
 */
export function watchSampleOf(
  previous: Snapshot | null,
  current: Snapshot,
  plan: Pick<WatchPlan, 'top' | 'sources' | 'destinations'>,
  netns?: NetnsLabel,
): WatchSample {
  const seen = previous === null ? null : new Set(previous.rows.map((r) => r.id));
  const intervalMs = previous === null ? null : current.atMs - previous.atMs;
  const budget = portBudgetOf(current.sysctls, current.rows, current.seesBoundOnly);
  const k = kernelSettingsOf(current.sysctls);
  const tallies = [...tallyGroups(current.rows, seen).values()];
  const all = tallies.map((t) => groupOf(t, budget, k, intervalMs));
  const shown = all
    .filter((g) => plan.sources.length === 0 || plan.sources.some((f) => f.matches(g.source)))
    .filter((g) => plan.destinations.length === 0 || plan.destinations.some((f) => f.matches(g.destination, g.destinationPort)))
    .sort(closestFirst);
  const rest = shown.slice(plan.top);
  const sum = (f: (g: WatchGroup) => number): number => rest.reduce((n, g) => n + f(g), 0);
  return {
    ...resultHeader('watch', (previous ?? current).at.toISOString(), false),
    endedAt: current.at.toISOString(),
    ...(netns ? { netns } : {}),
    ...(current.readMs === undefined ? {} : { readMs: current.readMs }),
    intervalMs,
    via: current.via,
    ports: budget,
    timeWait: { twReuse: k.twReuse, twReuseDelayMs: k.twReuseDelayMs, timestamps: k.timestamps, timeWaitSec: TIME_WAIT_SEC },
    totals: {
      sockets: current.rows.length,
      groups: all.length,
      established: all.reduce((n, g) => n + g.established, 0),
      timeWait: all.reduce((n, g) => n + g.timeWait, 0),
      other: all.reduce((n, g) => n + g.other, 0),
    },
    filters: { sources: plan.sources.map((f) => f.text), destinations: plan.destinations.map((f) => f.text), top: plan.top },
    groups: shown.slice(0, plan.top),
    moreGroups: rest.length,
    rest: {
      groups: rest.length,
      established: sum((g) => g.established),
      timeWait: sum((g) => g.timeWait),
      other: sum((g) => g.other),
      held: sum((g) => g.held),
      newConnections: intervalMs === null ? null : sum((g) => g.newConnections ?? 0),
    },
    ...natOf(previous, current, plan.top),
  };
}

/** The sample's NAT part, where the namespace has a NAT rule or holds a mapping. */
function natOf(previous: Snapshot | null, current: Snapshot, top: number): { nat?: WatchNat } {
  if (!current.nat) return {};
  const nat = watchNatOf(current.nat, previous?.nat ? { reading: previous.nat, atMs: previous.atMs } : null, current.atMs, top);
  return nat ? { nat } : {};
}
