import { ephemeralRangeOf, portCount } from './ports.js';
import type { PortRange } from './ports.js';
import type { SysctlSet } from './sysctls.js';

/** Where a stage runs when it runs in a namespace of its own, and with which settings. */
export interface NamespaceSpec {
  /** Written inside the namespace before the stage starts. */
  readonly sysctls: SysctlSet;
  /** The profile the settings came from, if any. */
  readonly profile: string | null;
  /** The default profile: how its settings differ from the host's, in one line every report shows (absent before 0.3). */
  readonly note?: string;
  /** Size tcp_max_tw_buckets to the run's 4-tuple space (buildPlan does it), so no close skips TIME_WAIT for want of room. */
  readonly sizeTwTable?: boolean;
}

/** The options that ask for a namespace. */
export interface NamespaceOptions {
  /**
   * true: every stage in a fresh namespace of its own (fails where none can be made); false
   * (`--no-netns`): on the host. Absent: a namespace when the target is the built-in one and
   * this process can make namespaces (root, or unprivileged user namespaces), else the host.
   */
  netns?: boolean;
  /** `name=value`, repeatable. */
  sysctl?: readonly string[];
  /** Default `host`: the host's own values of the namespace settings, copied in. */
  profile?: string;
  profilesFile?: string;
  /** A target outside portchurn: it cannot be reached from a fresh namespace. */
  target?: string;
}

/** What `buildPlan` needs to know of the host; read by `readHostFacts`, given by hand in tests. */
export interface HostFacts {
  /** net.ipv4.ip_local_port_range. */
  readonly ephemeralPorts: PortRange;
  /** True inside a private network namespace: explicit ports may overlap the range, nobody else needs them. */
  readonly isolated?: boolean;
}

/** What `buildPlan` should assume inside the namespace: its own port range, and no other programs to starve. */
export function namespaceFacts(spec: NamespaceSpec): HostFacts {
  // A fresh namespace starts from the kernel's default range, as ephemeralRangeOf assumes.
  return { ephemeralPorts: ephemeralRangeOf(spec.sysctls['net.ipv4.ip_local_port_range']), isolated: true };
}

/** The most TIME_WAIT entries a namespace's table is sized to (about 200 bytes each in the kernel). */
export const TW_TABLE_CAP = 2_000_000;

/**
 * A namespace whose TIME_WAIT table (tcp_max_tw_buckets) holds every 4-tuple the run can use:
 * sources (1 for the kernel's choice) x destinations x ports of the range, at least what it had,
 * at most TW_TABLE_CAP. Past a full table the kernel closes without TIME_WAIT, and a stage would
 * measure a kernel without it.
 */
export function sizedTwTable(namespace: NamespaceSpec, sources: number, destinations: number, range: PortRange): NamespaceSpec {
  const space = Math.max(1, sources) * Math.max(1, destinations) * portCount(range);
  const had = Number(namespace.sysctls['net.ipv4.tcp_max_tw_buckets'] ?? 0);
  const size = Math.min(TW_TABLE_CAP, Math.max(had, space));
  return { ...namespace, sysctls: { ...namespace.sysctls, 'net.ipv4.tcp_max_tw_buckets': String(size) } };
}
