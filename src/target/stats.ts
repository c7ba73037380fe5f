import type { CpuTime } from '../env/cpu-time.js';

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
export type TargetClosePolicy = 'server' | 'client';

/** Settings of the built-in target. */
export interface TargetOptions {
  readonly listen: readonly { readonly host: string; readonly port: number }[];
  /** `server`: answer with `Connection: close` and close first. `client`: keep the connection open until the client closes, even if the request asks for close. */
  readonly close: TargetClosePolicy;
  readonly delayMs: number;
  readonly bodyBytes: number;
}

/** Path of the stats endpoint; its requests are not counted. */
export const STATS_PATH = '/__portchurn/stats';
