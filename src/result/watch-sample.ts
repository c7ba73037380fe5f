import type { ResultHeader } from './header.js';
import type { SocketSource } from './sockets.js';

/** The ports a source address can use for connect(), as this namespace's settings and sockets leave them. */
export interface PortBudget {
  /** net.ipv4.ip_local_port_range. */
  readonly low: number;
  readonly high: number;
  readonly rangePorts: number;
  /** Ports of the range in net.ipv4.ip_local_reserved_ports. */
  readonly reservedInRange: number;
  /**
   * Ports of the range (not reserved) that a socket holds with bind() and no destination: a listener,
   * or a socket bound but neither listening nor connected. connect() skips such a port for every
   * source address and destination (__inet_hash_connect skips a bind bucket made by bind()).
   */
  readonly boundInRange: number;
  /** Which bound sockets were seen: /proc and kernels before 6.10 show listeners only. */
  readonly boundSeen: 'listeners' | 'listeners and bound-only sockets';
  readonly usablePorts: number;
}

/** The TIME_WAIT rules of this namespace, as read with the sample. */
export interface TimeWaitRules {
  readonly twReuse: number | null;
  readonly twReuseDelayMs: number | null;
  readonly timestamps: number | null;
  /** Linux's fixed TIME_WAIT length (TCP_TIMEWAIT_LEN). */
  readonly timeWaitSec: number;
}

/** The connections from one source address to one destination address:port. */
export interface WatchGroup {
  readonly source: string;
  readonly destination: string;
  readonly destinationPort: number;
  readonly established: number;
  readonly timeWait: number;
  /** Every other state (SYN_SENT, FIN_WAIT1/2, CLOSE_WAIT, LAST_ACK, CLOSING). */
  readonly other: number;
  /**
   * Ports of this 4-tuple space taken now: every socket of the group, less the TIME_WAIT ones
   * connect() may take over already (tcp_tw_reuse, older than the reuse delay).
   */
  readonly held: number;
  readonly usablePorts: number;
  /** held / usablePorts. */
  readonly heldShare: number;
  /** Connections that appeared since the previous read; null on the first read. */
  readonly newConnections: number | null;
  /** Connections that appeared since the previous read, per second; null on the first read. */
  readonly newPerSec: number | null;
  /** Whether connect() takes over this group's TIME_WAIT ports (tcp_tw_reuse applies to it). */
  readonly twReuse: boolean;
  /** How long a new connection's port stays taken after it closes: the reuse delay, or the TIME_WAIT length. */
  readonly holdSec: number;
  /** Seconds until held reaches usablePorts at this rate (0: exhausted now); null: not at this rate. */
  readonly exhaustionInSec: number | null;
  /** Ports held once this rate has run for holdSec (established + newPerSec × holdSec); null without a rate. */
  readonly steadyHeld: number | null;
}

/** Which network namespace a sample read, and a process that lives in it (`--netns`, `--all-netns`). */
export interface NetnsLabel {
  /** The namespace's id: the inode of its ns file. */
  readonly inode: number;
  /** The process with the lowest pid in it, its command, and the container and pod its cgroup names; null where none was found. */
  readonly pid: number | null;
  readonly command: string | null;
  readonly container: string | null;
  readonly pod: string | null;
  /** The namespace portchurn itself runs in. */
  readonly own: boolean;
}

/** The groups that passed the filters but not --top, summed: one remainder, so series stay bounded. */
export interface WatchRest {
  readonly groups: number;
  readonly established: number;
  readonly timeWait: number;
  readonly other: number;
  readonly held: number;
  /** Null on a first read. */
  readonly newConnections: number | null;
}

/** One sample of `portchurn watch`: the groups closest to exhaustion first. */
export interface WatchSample extends ResultHeader<'watch'> {
  /** The namespace read, when the watch reads more than its own (absent: its own). */
  readonly netns?: NetnsLabel;
  /** How long the read took (the dump and the settings), ms. */
  readonly readMs?: number;
  /** Milliseconds between the two reads the rates come from (startedAt to endedAt); null on a first read. */
  readonly intervalMs: number | null;
  readonly via: SocketSource;
  readonly ports: PortBudget;
  readonly timeWait: TimeWaitRules;
  /** Over every client group of the namespace, before the filters and --top. */
  readonly totals: {
    readonly sockets: number;
    readonly groups: number;
    readonly established: number;
    readonly timeWait: number;
    readonly other: number;
  };
  readonly filters: { readonly sources: readonly string[]; readonly destinations: readonly string[]; readonly top: number };
  /** Groups that pass the filters, closest to exhaustion first, at most `top`. */
  readonly groups: readonly WatchGroup[];
  /** Groups that passed the filters but were left out by `top`. */
  readonly moreGroups: number;
  /** Those groups summed (absent in samples from before 0.3). */
  readonly rest?: WatchRest;
  /** The namespace's NAT: its rules and the mappings conntrack holds; absent where it has neither (and before 0.4). */
  readonly nat?: WatchNat;
}

/** A NAT rule of the namespace's nftables ruleset (read with nft -j). */
export interface WatchNatRule {
  readonly kind: 'snat' | 'masquerade';
  /** The NAT addresses, first and last; null for masquerade (the outgoing interface's own). */
  readonly addresses: readonly [string, string] | null;
  /** The rule's port range; null where it gives none (1024-65535 then, the kernel's default). */
  readonly ports: readonly [number, number] | null;
  readonly flags: readonly string[];
}

/** NAT mappings held towards one (NAT address, destination, port), against the rule's range. */
export interface WatchNatMapping {
  readonly natAddress: string;
  readonly destination: string;
  readonly destinationPort: number;
  readonly held: number;
  readonly byState: Readonly<Record<string, number>>;
  /** Ports of the rule this NAT address belongs to; null where no rule names it. */
  readonly rangePorts: number | null;
  /** held / rangePorts; null as above. */
  readonly heldShare: number | null;
  /**
   * The mappings a new SYN cannot take back: held less those in TIME_WAIT and CLOSE where the
   * kernel evicts them (Linux 6.5 on), else held. Absent in samples from before it was read.
   */
  readonly pinned?: number;
  /** pinned's change a second since the read before (its trend); null on a first read. */
  readonly pinnedPerSec?: number | null;
  /** Seconds until pinned reaches rangePorts at that trend (0: there now); null: not growing, or no range. */
  readonly exhaustionInSec?: number | null;
}

/** What a watch sample says of the namespace's NAT. */
export interface WatchNat {
  readonly rules: readonly WatchNatRule[];
  /** The mappings closest to their range first, at most `top` (as the groups). */
  readonly mappings: readonly WatchNatMapping[];
  readonly moreMappings: number;
  /** Conntrack's counters since the namespace's conntrack began (cumulative, as the kernel keeps them). */
  readonly stats: {
    readonly insertFailed: number;
    readonly drop: number;
    readonly earlyDrop: number;
    readonly clashResolve: number;
    readonly chaintoolong: number;
  };
  /** insert_failed a second over the interval; null on a first read. */
  readonly insertFailedPerSec: number | null;
  /** False when conntrack held more keys than the reader counts apart. */
  readonly complete: boolean;
}

/** One read of several namespaces (`watch --netns`, `--all-netns`): a sample each, and those that could not be read. */
export interface WatchNodeSample {
  readonly kind: 'watch-node';
  readonly samples: readonly WatchSample[];
  readonly unreadable: readonly { readonly netns: NetnsLabel; readonly error: string }[];
}
