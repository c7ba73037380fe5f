import type { ResultHeader } from './header.js';
import type { ConntrackStats, ConntrackTcpState, NatMappings } from './conntrack.js';
import type { RunResult } from './result.js';

/** What `portchurn nat` produced: one stage per NAT port range, each in a scene of its own. */
export interface NatResult extends ResultHeader<'nat'> {
  /** What grew from stage to stage (absent in results from before the axis: the NAT ports). */
  readonly axis?: 'nat-ports' | 'nat-addresses';
  readonly scene: {
    readonly kind: 'snat' | 'masquerade';
    readonly pods: number;
    readonly natAddresses: number;
    readonly flags: readonly string[];
    /** The one destination every stage's load went to. */
    readonly destination: { readonly host: string; readonly port: number };
  };
  readonly stages: readonly NatStageResult[];
  readonly warnings: readonly string[];
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
  readonly ruleset: string;
  /** The load from the pods, through the router, as any run's result. */
  readonly client: RunResult;
  readonly conntrack: {
    readonly delta: ConntrackDelta;
    /** NAT mappings held when the load ended, per (NAT address, destination, port). */
    readonly heldAtEnd: readonly NatMappings[];
    /** NAT mappings held each second of the load, by state (read through ctnetlink in the router's namespace). */
    readonly perSecond: readonly {
      readonly second: number;
      readonly total: number;
      readonly byState: Readonly<Partial<Record<ConntrackTcpState, number>>>;
    }[];
  };
  /** Connects that took a SYN retransmit (1 s or more) and two or more (3 s or more): NAT exhaustion shows here, not as an errno. */
  readonly connectRetransmits: { readonly atLeast1s: number; readonly atLeast3s: number; readonly connects: number };
  /** SYNs the table limit's rule dropped (its counter); null without a limit (absent before it existed). */
  readonly limitDrops?: number | null;
  readonly model: NatBudget;
  readonly reading: string;
}

/** The NAT budget of a stage towards its destination (model/nat-budget.ts). */
export interface NatBudget {
  /** The NAT addresses the kernel's hash gives the stage's pods towards the destination. */
  readonly natAddressesUsed: readonly string[];
  /** How many of the pods the hash put on each NAT address used: they share its ports. */
  readonly podsPerAddress: Readonly<Record<string, number>>;
  readonly portsPerAddress: number;
  /** Mappings that can be held at once towards the destination: ports x addresses used. */
  readonly mappings: number;
  /** The table limit (`ct count over N`): connections tracked at once, whatever the mappings; null without one. */
  readonly connectionLimit: number | null;
  /** How long a mapping stays after its connection closes (conntrack's TIME_WAIT, s), where no new SYN takes it back. */
  readonly holdSec: number;
  /** Linux 6.5 on: a new SYN takes a mapping in TIME_WAIT back, so the budget is connections open at once, not a rate. */
  readonly timeWaitTakenBack: boolean;
  /** New connections a second the budget sustains once full (mappings / hold); null where TIME_WAIT is taken back. */
  readonly sustainedPerSec: number | null;
  readonly formula: string;
}
