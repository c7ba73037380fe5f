/** Counts by TCP state name. */
export type StateCounts = Record<string, number>;

/** One sample of the socket states during a stage. */
export interface SocketSample {
  /** Milliseconds since the sampler started. */
  readonly tMs: number;
  readonly client: StateCounts;
  readonly server: StateCounts;
  /** Most ports held by any one source address at this instant. */
  readonly maxPortsHeld: number;
  /** Time this sample took on the sampler thread (the kernel's dump or rendering, and counting). */
  readonly costMs: number;
}

/** How socket states are read: netlink sock_diag through the native addon, or /proc/net/tcp{,6}. */
export type SocketSource = 'sock_diag' | 'proc';

/** What the sampler saw during a stage. */
export interface SocketReport {
  readonly intervalMs: number;
  /** How the states were read: netlink sock_diag (the native addon) or /proc/net/tcp{,6}. Absent in results written before sock_diag. */
  readonly via?: SocketSource;
  readonly samples: readonly SocketSample[];
  /** Highest TIME_WAIT count seen on each side. */
  readonly peakTimeWait: { readonly client: number; readonly server: number };
  /** Per source address (index-aligned with the plan's sources): most ports it held at once. */
  readonly peakPortsHeld: readonly number[];
  /** Highest occupancy of any source: peak ports held / usable ports; null when unknown. */
  readonly peakOccupancy: number | null;
  /** Sampler cost per sample on its own thread, in milliseconds. */
  readonly costMs: { readonly mean: number; readonly max: number };
}
