import type { NatBudget } from '../result/nat-result.js';
import { natAddressOf } from './nat-address.js';

/** conntrack's TIME_WAIT (nf_conntrack_tcp_timeout_time_wait's default, twice the host's 60 s). */
export const CONNTRACK_TIME_WAIT_SEC = 120;

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

/** What the budget needs: the pods, the rule's addresses and ports, the destination and the kernel. */
export interface NatBudgetInput {
  readonly pods: readonly string[];
  readonly natAddresses: readonly string[];
  readonly ports: number;
  readonly destination: string;
  readonly persistent: boolean;
  /** The router's kernel release: whether TIME_WAIT mappings come back to a new SYN. */
  readonly kernel: string;
  readonly holdSec?: number;
  /** A table limit on tracked connections (ct count over N); null: none. */
  readonly connLimit?: number | null;
}

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

/**
 * The budget of one destination behind the NAT: each NAT address the pods hash onto
 * (natAddressOf) gives `ports` mappings towards it, shared by the pods on it. A mapping is held
 * while its connection is open or closing; after the close it stays in conntrack's TIME_WAIT, which
 * before Linux 6.5 holds it 120 s (so the budget is a rate: mappings / 120 s) and from 6.5 on is
 * taken back by a new SYN (so the budget is the connections open at once, and a full range costs
 * the router a longer port search instead).
 */
export function natBudget(input: NatBudgetInput): NatBudget {
  const first = input.natAddresses[0]!;
  const last = input.natAddresses.at(-1)!;
  const chosen = input.pods.map((p) => natAddressOf(p, input.destination, first, last, input.persistent));
  const used = [...new Set(chosen)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const podsPerAddress = Object.fromEntries(used.map((a) => [a, chosen.filter((c) => c === a).length]));
  const holdSec = input.holdSec ?? CONNTRACK_TIME_WAIT_SEC;
  const mappings = used.length * input.ports;
  const evicts = evictsTimeWait(input.kernel);
  const addresses = `${used.length} NAT address${used.length === 1 ? '' : 'es'} (of ${input.natAddresses.length}, as the pods hash) x ${fmt(input.ports)} ports = ${fmt(mappings)} mappings to ${input.destination}`;
  return {
    natAddressesUsed: used,
    podsPerAddress,
    portsPerAddress: input.ports,
    mappings,
    connectionLimit: input.connLimit ?? null,
    holdSec,
    timeWaitTakenBack: evicts,
    sustainedPerSec: evicts ? null : mappings / holdSec,
    formula: `${
      evicts
        ? `${addresses}, open at once (Linux ${input.kernel}: a new SYN takes a TIME_WAIT mapping back)`
        : `${addresses}, each held ${holdSec} s after its close: ${fmt(mappings / holdSec)}/s sustained`
    }${input.connLimit ? `; at most ${fmt(input.connLimit)} connections tracked at once (ct count)` : ''}`,
  };
}
