import { spawnSync } from 'node:child_process';
import { release } from 'node:os';
import { evictsTimeWait } from '../model/nat-budget.js';
import { nftNatRulesOf, type NftListing } from '../env/nft-nat-rules.js';
import { ipv4ToInt } from '../plan/addresses.js';
import type { ConntrackSnapshot, NatMappings } from '../result/conntrack.js';
import type { WatchNat, WatchNatMapping, WatchNatRule } from '../result/watch-sample.js';

/** What a watch reads of a namespace's NAT at each sample. */
export interface NatReading {
  readonly rules: readonly WatchNatRule[];
  readonly conntrack: ConntrackSnapshot | null;
}

/**
 * The namespace's NAT rules, read with the real `nft -j list ruleset` in it (`nsenter --net`
 * for another namespace): nftables keeps its rules behind its own netlink protocol, which the
 * ruleset's JSON gives whole. No nft, or no rules: none.
 */
export function readNatRules(netnsPath: string | null): WatchNatRule[] {
  const cmd = netnsPath === null ? ['nft', '-j', 'list', 'ruleset'] : ['nsenter', `--net=${netnsPath}`, 'nft', '-j', 'list', 'ruleset'];
  const out = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 5000 });
  if (out.status !== 0 || !out.stdout) return [];
  try {
    // The sample keeps each rule's statement; the source it matches is the scene's concern.
    return nftNatRulesOf(JSON.parse(out.stdout) as NftListing).map(({ source: _source, ...rule }) => rule);
  } catch {
    return [];
  }
}

/** Ports of the rule `natAddress` is in (an snat rule naming it, else a masquerade rule's); null where none does. */
function rangeOf(rules: readonly WatchNatRule[], natAddress: string): number | null {
  const ports = (r: WatchNatRule): number => (r.ports ? r.ports[1] - r.ports[0] + 1 : 65535 - 1024 + 1);
  const n = ipv4ToInt(natAddress);
  const snat = rules.find((r) => r.kind === 'snat' && r.addresses && ipv4ToInt(r.addresses[0]) <= n && n <= ipv4ToInt(r.addresses[1]));
  if (snat) return ports(snat);
  const masquerade = rules.find((r) => r.kind === 'masquerade');
  return masquerade ? ports(masquerade) : null;
}

/**
 * The NAT part of a sample: the mappings held per (NAT address, destination, port) against their
 * rule's range, closest to it first, at most `top`; conntrack's counters, and insert_failed a
 * second against the read before. Null where the namespace has no NAT rule and holds no mapping.
 */
export function watchNatOf(
  current: NatReading,
  previous: { reading: NatReading; atMs: number } | null,
  atMs: number,
  top: number,
  kernel: string = release(),
): WatchNat | null {
  const ct = current.conntrack;
  if (current.rules.length === 0 && (ct === null || ct.natTotal === 0)) return null;
  const evicts = evictsTimeWait(kernel);
  // Mappings a new SYN cannot take back: from Linux 6.5 those in TIME_WAIT and CLOSE are evicted.
  const pinnedOf = (m: NatMappings): number => (evicts ? m.total - (m.byState.TIME_WAIT ?? 0) - (m.byState.CLOSE ?? 0) : m.total);
  const key = (m: NatMappings): string => `${m.natAddress}>${m.destination}:${m.port}`;
  const earlier = new Map((previous?.reading.conntrack?.mappings ?? []).map((m) => [key(m), pinnedOf(m)]));
  const seconds = previous ? (atMs - previous.atMs) / 1000 : 0;
  const mappings: WatchNatMapping[] = (ct?.mappings ?? []).map((m) => {
    const rangePorts = rangeOf(current.rules, m.natAddress);
    const pinned = pinnedOf(m);
    const pinnedPerSec = previous && seconds > 0 ? (pinned - (earlier.get(key(m)) ?? 0)) / seconds : null;
    const exhaustionInSec =
      rangePorts === null
        ? null
        : pinned >= rangePorts
          ? 0
          : pinnedPerSec !== null && pinnedPerSec > 0
            ? (rangePorts - pinned) / pinnedPerSec
            : null;
    return {
      pinned,
      pinnedPerSec,
      exhaustionInSec,
      natAddress: m.natAddress,
      destination: m.destination,
      destinationPort: m.port,
      held: m.total,
      byState: m.byState as Record<string, number>,
      rangePorts,
      heldShare: rangePorts === null ? null : m.total / rangePorts,
    };
  });
  mappings.sort((a, b) => (b.heldShare ?? -1) - (a.heldShare ?? -1) || b.held - a.held);
  const before = previous?.reading.conntrack ?? null;
  const stats = ct?.stats;
  return {
    rules: current.rules,
    mappings: mappings.slice(0, top),
    moreMappings: Math.max(0, mappings.length - top),
    stats: {
      insertFailed: stats?.insertFailed ?? 0,
      drop: stats?.drop ?? 0,
      earlyDrop: stats?.earlyDrop ?? 0,
      clashResolve: stats?.clashResolve ?? 0,
      chaintoolong: stats?.chaintoolong ?? 0,
    },
    insertFailedPerSec: before && stats && seconds > 0 ? Math.max(0, stats.insertFailed - before.stats.insertFailed) / seconds : null,
    complete: ct?.complete ?? true,
  };
}
