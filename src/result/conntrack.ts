/** Conntrack's counters, in the order ctnetlink's answer (src/native/kernel/ct_glue.c) carries them. */
export const CONNTRACK_STAT_NAMES = [
  'found',
  'invalid',
  'insert',
  'insertFailed',
  'drop',
  'earlyDrop',
  'error',
  'searchRestart',
  'clashResolve',
  'chaintoolong',
] as const;

/** Conntrack's own statistics (ctnetlink's CTA_STATS_*), summed over CPUs. */
export interface ConntrackStats {
  readonly found: number;
  readonly invalid: number;
  readonly insert: number;
  /** An entry could not be inserted: for a NAT, a new connection found no free mapping (its SYN dropped). */
  readonly insertFailed: number;
  readonly drop: number;
  readonly earlyDrop: number;
  readonly error: number;
  readonly searchRestart: number;
  readonly clashResolve: number;
  readonly chaintoolong: number;
  readonly cpus: number;
}

/** Conntrack's TCP states, in the kernel's order (TCP_CONNTRACK_NONE .. SYN_SENT2). */
export const CONNTRACK_TCP_STATES = [
  'NONE',
  'SYN_SENT',
  'SYN_RECV',
  'ESTABLISHED',
  'FIN_WAIT',
  'CLOSE_WAIT',
  'LAST_ACK',
  'TIME_WAIT',
  'CLOSE',
  'SYN_SENT2',
] as const;
export type ConntrackTcpState = (typeof CONNTRACK_TCP_STATES)[number];

/** NAT mappings held towards one (NAT address, destination address, destination port), by state. */
export interface NatMappings {
  readonly natAddress: string;
  readonly destination: string;
  readonly port: number;
  readonly total: number;
  readonly byState: Readonly<Partial<Record<ConntrackTcpState, number>>>;
}

/** One read of a namespace's conntrack. */
export interface ConntrackSnapshot {
  readonly stats: ConntrackStats;
  /** Entries whose source was rewritten, by state. */
  readonly natTotal: number;
  readonly natByState: Readonly<Partial<Record<ConntrackTcpState, number>>>;
  /**
   * NAT mappings whose NAT port is the pod's own source port (port preservation: no `random` or
   * `fully-random` flag, the pod's port inside the rule's range and free). Absent in samples from before it was counted.
   */
  readonly natPortKept?: number;
  /** Entries without a rewritten source. */
  readonly other: number;
  readonly mappings: readonly NatMappings[];
  /** False when more (NAT address, destination, port) keys were held than the reader counts apart (65,536); the totals stay exact. */
  readonly complete: boolean;
}
