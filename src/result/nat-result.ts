import type { ResultHeader } from './header.js';
import type { ConntrackStats, ConntrackTcpState, NatMappings } from './conntrack.js';
import type { RunResult } from './result.js';

/** A stage's name wherever a NAT result's stages are listed: its axis and value (`nat-ports 8`, `destinations 2`), or the reference `full range`. */
export function natStageName(result: Pick<NatResult, 'axis'>, stage: Pick<NatStageResult, 'label'>): string {
  return stage.label === 'full' ? 'full range' : `${result.axis ?? 'nat-ports'} ${stage.label}`;
}

/** Keys a NAT stage keeps for each second (the busiest); the heldAtEnd keeps them all. */
export const NAT_KEYS_PER_SECOND = 16;

/** The axes `portchurn nat` sweeps: one setting changes from stage to stage, each stage a scene of its own. */
export const NAT_AXES = [
  'nat-ports',
  'nat-addresses',
  'destinations',
  'destination-ports',
  'pods',
  'rate',
  'close',
  'nat-flags',
  'conn-limit',
] as const;
export type NatAxis = (typeof NAT_AXES)[number];

/** What `portchurn nat` produced: one stage per axis value, each in a scene of its own. */
export interface NatResult extends ResultHeader<'nat'> {
  /** What changed from stage to stage (absent in results from before the axis: the NAT ports). */
  readonly axis?: NatAxis;
  readonly scene: {
    readonly kind: 'snat' | 'masquerade';
    readonly pods: number;
    readonly natAddresses: number;
    readonly flags: readonly string[];
    /** The first destination (with --destinations, the load turned over several addresses on this port). */
    readonly destination: { readonly host: string; readonly port: number };
    /** Destination addresses of a stage, where the axis does not change them (absent before: 1). */
    readonly destinations?: number;
    /** The system the scene reproduces at a scale (--profile); absent: none. */
    readonly profile?: NatSceneProfile;
  };
  readonly stages: readonly NatStageResult[];
  readonly warnings: readonly string[];
}

/** A system's NAT at a scale (nat/nat-profile.ts): its ports and conntrack timeouts divided by `scale`. */
export interface NatSceneProfile {
  readonly name: string;
  readonly system: string;
  readonly scale: number;
  /** The system's own ports per (NAT address, destination), or per source where it allocates per source. */
  readonly publishedPorts: number;
  /** The scene's: publishedPorts / scale. */
  readonly ports: number;
  /** Ports allocated to each pod apart (a rule per pod), as the system allocates per VM. */
  readonly perSource: boolean;
  /** conntrack's TCP timeouts set in the router (s, by name: time_wait from the system's hold after close, established from its idle timeout), scaled. */
  readonly conntrackTimeouts: Readonly<Record<string, number>>;
  readonly source: string;
}

/** The host's CPU time over a span, all cores together (/proc/stat), and how long the span was. */
export interface HostCpu {
  readonly userMs: number;
  readonly systemMs: number;
  readonly softirqMs: number;
  readonly idleMs: number;
  readonly wallMs: number;
  readonly cores: number;
}

/** Conntrack's counters over a stage (after less before). */
export type ConntrackDelta = Omit<ConntrackStats, 'cpus'>;

/** One stage: a NAT port range, the load through it, and what the router's conntrack saw. */
export interface NatStageResult {
  /** `full` for the reference stage (the rule's ports 1024-65535), else the number of NAT ports. */
  readonly label: string;
  readonly natPorts: { readonly low: number; readonly high: number };
  /** NAT addresses the stage's rule maps to (absent before the axis: the scene's). */
  readonly natAddresses?: number;
  /**
   * The stage's own settings, where an axis may change them (absent in results from before those
   * axes: the scene's): pods, destination addresses, the rule's flags, the table limit, who
   * closes, and the load (a closed loop's connections or an open loop's rate).
   */
  readonly settings?: {
    readonly pods: number;
    readonly destinations: readonly string[];
    /** Ports on every destination (absent before: the scene's one). */
    readonly destinationPorts?: readonly number[];
    readonly flags: readonly string[];
    readonly connLimit: number | null;
    readonly close: 'client' | 'server' | 'reset';
    readonly load: { readonly connections: number } | { readonly ratePerSec: number };
    /** Ports allocated to each pod apart (a rule per pod); null: the pods share the range. Absent before it existed. */
    readonly portsPerPod?: number | null;
    /** conntrack's TCP timeouts set in the router's namespace, as read back (s, by name); empty: the kernel's. Absent before. */
    readonly conntrackTimeouts?: Readonly<Record<string, number>>;
  };
  readonly ruleset: string;
  /** The load from the pods, through the router, as any run's result. */
  readonly client: RunResult;
  readonly conntrack: {
    readonly delta: ConntrackDelta;
    /** NAT mappings held when the load ended, per (NAT address, destination, port). */
    readonly heldAtEnd: readonly NatMappings[];
    /** Of those, the mappings that kept the pod's own source port (absent before it was counted). */
    readonly portKeptAtEnd?: number;
    /** NAT mappings held each second of the load, by state (read through ctnetlink in the router's namespace). */
    readonly perSecond: readonly {
      readonly second: number;
      readonly total: number;
      readonly byState: Readonly<Partial<Record<ConntrackTcpState, number>>>;
      /**
       * The (NAT address, destination, port) keys holding most that second, each by state, at most
       * NAT_KEYS_PER_SECOND (the rest are in `total`); absent before they were kept.
       */
      readonly mappings?: readonly NatMappings[];
    }[];
  };
  /** Connects that took a SYN retransmit (1 s or more) and two or more (3 s or more): NAT exhaustion shows here, not as an errno. */
  readonly connectRetransmits: { readonly atLeast1s: number; readonly atLeast3s: number; readonly connects: number };
  /**
   * The host's CPU over the stage's load, from /proc/stat: the router forwards, NATs and tracks
   * in softirq (with the veths' delivery into every namespace), which no namespace is charged for;
   * `softirqMs` is the closest a namespace router has to its own CPU. Absent before it was read.
   */
  readonly hostCpu?: HostCpu;
  /** SYNs the table limit's rule dropped (its counter); null without a limit (absent before it existed). */
  readonly limitDrops?: number | null;
  readonly model: NatBudget;
  readonly reading: string;
  /** What limited the stage (nat/nat-reading.ts); absent in results from before it was said. */
  readonly limitedBy?: NatLimitedBy;
}

/**
 * What limited a NAT stage: the table limit (`conn-limit`); the ports of the NAT address
 * (`nat-ports`), of the address the kernel's hash loaded most while others had room
 * (`nat-address-hash`) or of each pod's own block (`pod-ports`); mappings of connections still
 * closing, which a new SYN cannot take (`closing-mappings`); the host's CPU (`host-cpu`, softirq
 * being where the router works); or none of these (`none`: the generator's own pace).
 */
export type NatLimitedBy = 'conn-limit' | 'nat-ports' | 'nat-address-hash' | 'pod-ports' | 'closing-mappings' | 'host-cpu' | 'none';

/** The NAT budget towards one destination address. */
export interface NatDestinationBudget {
  readonly destination: string;
  /** How many of the pods the hash put on each NAT address towards this destination: they share its ports. */
  readonly podsPerAddress: Readonly<Record<string, number>>;
  /** Mappings that can be held at once towards it: ports x NAT addresses the pods hash onto. */
  readonly mappings: number;
}

/** The NAT budget of a stage towards its destinations (model/nat-budget.ts). */
export interface NatBudget {
  /** The NAT addresses the kernel's hash gives the stage's pods, towards any destination. */
  readonly natAddressesUsed: readonly string[];
  /** Each destination address's own budget: the hash is seeded with the destination, so each spreads the pods its own way. */
  readonly destinations: readonly NatDestinationBudget[];
  readonly portsPerAddress: number;
  /** Ports on every destination address, each (address, port) a budget of its own (absent before: 1). */
  readonly destinationPorts?: number;
  /** Ports each pod has apart (a rule per pod); null where the pods on an address share its ports. Absent before it existed. */
  readonly portsPerPod?: number | null;
  /** Mappings that can be held at once, over all destinations. */
  readonly mappings: number;
  /**
   * The share of mappings that keep the pod's own port while the table is empty: without
   * `random`/`fully-random`, get_unique_tuple() keeps a pod's port that lies in the rule's range
   * and that no mapping holds (nf_nat_used_tuple: closed mappings in TIME_WAIT hold it too, so the
   * share falls as they fill the range), i.e. the share of the pods' ephemeral range inside the
   * rule's; with either flag every port is searched for from a random offset and lands on the
   * pod's own only by chance (that share over the range's ports).
   */
  readonly portKeptShare: number;
  /** The table limit (`ct count over N`): connections tracked at once, whatever the mappings; null without one. */
  readonly connectionLimit: number | null;
  /** How long a mapping stays after its connection closes (conntrack's TIME_WAIT, s), where no new SYN takes it back. */
  readonly holdSec: number;
  /** The kernel release the model was made for (the router's, and the pods' whose SYN backoff it says); absent before it was kept. */
  readonly kernel?: string;
  /** Linux 6.5 on: a new SYN takes a mapping in TIME_WAIT back, so the budget is connections open at once, not a rate. */
  readonly timeWaitTakenBack: boolean;
  /** New connections a second the budget sustains once full (mappings / hold); null where TIME_WAIT is taken back. */
  readonly sustainedPerSec: number | null;
  readonly formula: string;
}
