import type { CpuTime } from './environment.js';

/** Connections and requests one address was seen with. */
export interface AddressCounts {
  connections: number;
  requests: number;
}

/** What the built-in target counted; served at `GET /__portchurn/stats`. */
export interface TargetStats {
  readonly connections: number;
  readonly requests: number;
  /** Keyed by the client's address (the connection's remote address). */
  readonly byRemoteAddress: Record<string, AddressCounts>;
  /** Keyed by the listening `address:port` the connection reached. */
  readonly byLocalAddress: Record<string, AddressCounts>;
  /** CPU time of the target's own thread since it started listening; null where it cannot be read. */
  readonly cpu?: CpuTime | null;
}

/** How the built-in target ends each connection. */
export const TARGET_CLOSE_POLICIES = ['server', 'client'] as const;
export type TargetClosePolicy = (typeof TARGET_CLOSE_POLICIES)[number];
