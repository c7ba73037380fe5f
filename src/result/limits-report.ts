import type { ClosePolicy, PortMode } from '../plan/plan.js';
import type { Environment } from './environment.js';
import type { PortSearchCalibration } from './prediction.js';

/** What `portchurn limits` reports. */
export interface LimitsReport {
  readonly environment: Environment;
  readonly loopback: {
    /** Each probed 127/8 address and whether it could be bound. */
    readonly ipv4: readonly { readonly address: string; readonly ok: boolean }[];
    readonly ipv6Loopback: boolean;
    /** ::2 bound as well (it never should on Linux: IPv6 loopback is ::1 alone). */
    readonly ipv6Other: boolean;
  };
  readonly question: {
    readonly ratePerSec: number | null;
    readonly close: ClosePolicy;
    readonly portMode: PortMode;
    readonly destinations: number;
  };
  /** This host, each built-in profile applied to it, then the other systems' defaults. */
  readonly rows: readonly (CapacityPlan & { readonly kind: 'host' | 'profile' | 'os'; readonly note: string })[];
  readonly osDefaults: readonly OsDefaults[];
  /** This kernel's port search, probed in a namespace of its own (null: not probed, and `portSearchWhy` says why). */
  readonly portSearch: PortSearchCalibration | null;
  readonly portSearchWhy: string | null;
  /** `--nat`: how many NAT addresses the load needs on each NAT asked about; absent without it. */
  readonly nat?: {
    readonly question: { readonly ratePerSec: number | null; readonly open: number | null; readonly destinations: number };
    readonly rows: readonly NatPlanRow[];
  };
  /** What one searching call costs past the fast budget on this host's range for the asked port mode (µs, from the probe); null unprobed. */
  readonly slowCallUs: number | null;
}

/** One system or profile's answer to "how many sources for this rate". */
export interface CapacityPlan {
  readonly name: string;
  readonly usablePorts: number;
  readonly holdSec: number | null;
  /** New connections per second one source address sustains; null when not port-bound. */
  readonly perSourcePerSec: number | null;
  /** Source addresses needed for the asked rate; 1 when not port-bound; null when no rate asked. */
  readonly sourcesNeeded: number | null;
  /** Ports needed with a single source address; null when more than 65,535 would be needed or no rate asked. */
  readonly portsNeededOneSource: number | null;
  /**
   * Linux: new connections per second one source address makes while the port search stays at
   * one probe a call (half the range per destination a hold for connect(), a quarter for bind());
   * above it each call walks the held ports. Null for other systems, or when not port-bound.
   */
  readonly fastPerSourcePerSec: number | null;
  /** Source addresses that keep the asked rate under the fast budget; null as above or when no rate asked. */
  readonly fastSourcesNeeded: number | null;
}

/** Another system's defaults that decide how many connections a source address can make. */
export interface OsDefaults {
  readonly os: string;
  readonly ephemeralLow: number;
  readonly ephemeralHigh: number;
  /** How long the side that closes first keeps TIME_WAIT (2 x MSL). */
  readonly timeWaitSec: number;
  /** Whether 127.0.0.2 and up must be added to the loopback interface before they can be bound. */
  readonly loopbackAliasesNeeded: boolean;
  /** Where each figure comes from; repeated in the README. */
  readonly source: string;
}

/** A NAT's budget shape: ports per (NAT address, destination) and how long a closed connection keeps its mapping. */
export interface NatProfile {
  readonly name: string;
  readonly system: string;
  /** Mappings one NAT address has towards one destination (address, port, protocol). */
  readonly portsPerDestination: number;
  /** Seconds a mapping stays after its connection closes; null where the system states none. */
  readonly holdAfterCloseSec: number | null;
  /** NAT addresses the system allows at most; null where it states none. */
  readonly maxAddresses: number | null;
  /**
   * Ports allocated to each source (VM, pod) apart, `portsPerDestination` each (Azure Load
   * Balancer's pre-allocation, GCP Cloud NAT's min-ports-per-vm); false: shared by every source
   * on an address. Absent in results from before it was stated.
   */
  readonly perSource?: boolean;
  /** How long an idle established connection keeps its mapping (s); null where the system states none. Absent before. */
  readonly idleSec?: number | null;
  readonly note: string;
  /** Where the figures come from. */
  readonly source: string;
}

/** What a profile needs for a load: addresses for a rate of new connections and for connections open at once. */
export interface NatPlanRow {
  readonly profile: NatProfile;
  /** New connections a second one address sustains towards one destination (ports / hold); null where it is not a rate. */
  readonly perAddressPerDestinationPerSec: number | null;
  /** Addresses for `ratePerSec` spread over `destinations`; null without a rate or where the hold is unknown or taken back. */
  readonly addressesForRate: number | null;
  /** Addresses for `open` connections open at once spread over `destinations`; null without it. */
  readonly addressesForOpen: number | null;
  /** True when an answer is more than the system allows. */
  readonly overMax: boolean;
}
