import type { NatBudget } from '../result/nat-result.js';
import { natAddressOf } from './nat-address.js';

/** conntrack's TIME_WAIT (nf_conntrack_tcp_timeout_time_wait's default, twice the host's 60 s). */
export const CONNTRACK_TIME_WAIT_SEC = 120;
/** conntrack's CLOSE, where a reset leaves a mapping (nf_conntrack_tcp_timeout_close's default). */
export const CONNTRACK_CLOSE_SEC = 10;

/**
 * The kernel from which a new SYN takes a closing mapping back: nf_nat_used_tuple_harder()
 * (net/netfilter/nf_nat_core.c, Linux 6.5) evicts a colliding NAT conntrack in TIME_WAIT (or
 * later) whose sequence the new SYN has passed, during the last quarter of the port search's
 * attempts. Before it, a mapping is held conntrack's whole TIME_WAIT.
 */
export const TIME_WAIT_EVICTION_SINCE: readonly [number, number] = [6, 5];

/** Whether a kernel release (uname -r) takes TIME_WAIT mappings back. */
export function evictsTimeWait(release: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > TIME_WAIT_EVICTION_SINCE[0] || (major === TIME_WAIT_EVICTION_SINCE[0] && minor >= TIME_WAIT_EVICTION_SINCE[1]);
}

/** What the budget needs: the pods, the rule's addresses, ports and flags, the destinations and the kernel. */
export interface NatBudgetInput {
  readonly pods: readonly string[];
  readonly natAddresses: readonly string[];
  readonly ports: number;
  /** Ports each pod has apart (a rule per pod, as a per-VM allocation); null or absent: the pods on an address share them. */
  readonly portsPerPod?: number | null;
  /** The first port of the rule's range (with `ports`: whether the pods' own ports fall inside it). */
  readonly lowPort?: number;
  /** The pods' own ephemeral ports (their namespace's ip_local_port_range). */
  readonly podPorts?: { readonly low: number; readonly high: number };
  readonly destinations: readonly string[];
  /** Ports on every destination address (absent: 1); each (address, port) is a budget of its own. */
  readonly destinationPorts?: number;
  readonly persistent: boolean;
  /** `random` or `fully-random`: every NAT port searched for from a random offset, none kept. */
  readonly randomPorts?: boolean;
  /** Who closes: a reset leaves the mapping in conntrack's CLOSE (10 s), a FIN from either side in TIME_WAIT (120 s). */
  readonly close?: 'client' | 'server' | 'reset';
  /** The router's kernel release: whether TIME_WAIT mappings come back to a new SYN. */
  readonly kernel: string;
  readonly holdSec?: number;
  /** A table limit on tracked connections (ct count over N); null: none. */
  readonly connLimit?: number | null;
}

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

/**
 * The budget of the destinations behind the NAT: towards each destination address, each NAT
 * address the pods hash onto (natAddressOf, seeded with the destination) gives `ports` mappings,
 * shared by the pods on it. A mapping is held while its connection is open or closing; after the
 * close it stays in conntrack's TIME_WAIT (a FIN from either side) or CLOSE (a reset), which before
 * Linux 6.5 hold it 120 s or 10 s (so the budget is a rate: mappings / hold) and from 6.5 on are
 * taken back by a new SYN (so the budget is the connections open at once, and a full range costs
 * the router a longer port search instead).
 */
export function natBudget(input: NatBudgetInput): NatBudget {
  const first = input.natAddresses[0]!;
  const last = input.natAddresses.at(-1)!;
  const byNumber = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });
  const destinations = input.destinations.map((destination) => {
    const chosen = input.pods.map((p) => natAddressOf(p, destination, first, last, input.persistent));
    const used = [...new Set(chosen)].sort(byNumber);
    const podsPerAddress = Object.fromEntries(used.map((a) => [a, chosen.filter((c) => c === a).length]));
    const perPod = input.portsPerPod ?? null;
    const dports = input.destinationPorts ?? 1;
    return { destination, podsPerAddress, mappings: dports * (perPod === null ? used.length * input.ports : input.pods.length * perPod) };
  });
  const used = [...new Set(destinations.flatMap((d) => Object.keys(d.podsPerAddress)))].sort(byNumber);
  const holdSec = input.holdSec ?? (input.close === 'reset' ? CONNTRACK_CLOSE_SEC : CONNTRACK_TIME_WAIT_SEC);
  const mappings = destinations.reduce((n, d) => n + d.mappings, 0);
  const evicts = evictsTimeWait(input.kernel);
  const after =
    input.close === 'reset'
      ? 'CLOSE, where the reset leaves it'
      : `TIME_WAIT, where the ${input.close ?? 'client'}'s FIN leaves it (either side's would)`;
  const one = destinations.length === 1;
  const perPod = input.portsPerPod ?? null;
  const dports = input.destinationPorts ?? 1;
  const dportsText = dports > 1 ? ` x ${dports} destination ports` : '';
  const addressesOn = (d: { podsPerAddress: Readonly<Record<string, number>> }): number => Object.keys(d.podsPerAddress).length;
  const perDestination =
    perPod !== null
      ? `${input.pods.length} pod${input.pods.length === 1 ? '' : 's'} x ${fmt(perPod)} ports each, apart (a block per pod)${dportsText} = ${fmt(mappings)} mappings${one ? ` to ${destinations[0]!.destination}` : ` over ${destinations.length} destinations`}`
      : one
        ? `${addressesOn(destinations[0]!)} NAT address${addressesOn(destinations[0]!) === 1 ? '' : 'es'} (of ${input.natAddresses.length}, as the pods hash) x ${fmt(input.ports)} ports${dportsText} = ${fmt(mappings)} mappings to ${destinations[0]!.destination}`
        : `${destinations.length} destinations, each with the NAT addresses the pods hash onto (${destinations.map(addressesOn).join(', ')} of ${input.natAddresses.length}) x ${fmt(input.ports)} ports${dportsText} = ${fmt(mappings)} mappings`;
  // get_unique_tuple() keeps the pod's own port when it lies in the range and is free, unless a
  // random flag forces the search (which lands on the pod's port only by chance: 1 in the range).
  const low = input.lowPort ?? null;
  const podPorts = input.podPorts ?? null;
  const overlap =
    low === null || podPorts === null
      ? 0
      : Math.max(0, Math.min(podPorts.high, low + input.ports - 1) - Math.max(podPorts.low, low) + 1) / (podPorts.high - podPorts.low + 1);
  const portKeptShare = input.randomPorts ? overlap / input.ports : overlap;
  const keeps =
    overlap === 0
      ? ''
      : input.randomPorts
        ? `; the pods' ports lie in the range but the random flag searches every port: about ${fmt(100 * portKeptShare)} % keep theirs, by chance`
        : `; ${fmt(100 * overlap)} % of the pods' ports lie in the range: each keeps its own while no mapping, closed ones included, holds it`;
  return {
    natAddressesUsed: used,
    destinations,
    portsPerAddress: input.ports,
    portsPerPod: perPod,
    destinationPorts: dports,
    mappings,
    portKeptShare,
    connectionLimit: input.connLimit ?? null,
    holdSec,
    kernel: input.kernel,
    timeWaitTakenBack: evicts,
    sustainedPerSec: evicts ? null : mappings / holdSec,
    formula: `${
      evicts
        ? `${perDestination}, open at once (Linux ${input.kernel}: a new SYN takes back a mapping in ${after})`
        : `${perDestination}, each held ${holdSec} s after its close, in ${after}: ${fmt(mappings / holdSec)}/s sustained`
    }${input.connLimit ? `; at most ${fmt(input.connLimit)} connections tracked at once (ct count)` : ''}${keeps}`,
  };
}
