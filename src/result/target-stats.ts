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
  /**
   * Connections that ended while the target ran (either side closing), the requests they carried
   * and the most one carried: behind a proxy, its upstream keepalive limit (nginx closes a kept
   * upstream connection after `keepalive_requests`). Absent in results from before 0.3.
   */
  readonly ended?: EndedConnections;
  /** CPU time of the target's threads since it started listening, summed; null where it cannot be read. */
  readonly cpu?: CpuTime | null;
  /** Native target: each thread's CPU time (null where it cannot be read); the busiest decides whether the target held the rate. */
  readonly threadCpu?: readonly (CpuTime | null)[];
  /** Native target: connections it closed for what they sent or did not send, and accepts that failed. */
  readonly refused?: TargetRefused;
  /** Native target: false when a count could not be kept (out of memory): the per-address counts are then short. */
  readonly countsComplete?: boolean;
  /** Native target: threads whose loop failed and ended early (`target thread 2: its loop failed (EBADF)`); absent when none did. */
  readonly failures?: readonly string[];
}

/** Connections that ended, and the requests they carried. */
export interface EndedConnections {
  readonly connections: number;
  readonly requests: number;
  /** The most requests one ended connection carried. */
  readonly maxRequests: number;
}

/** Connections the native target refused, by why. */
export interface TargetRefused {
  /** A request line, a header or the whole head past the limits (8 KiB a line, 32 KiB a head). */
  readonly tooLong: number;
  /** Not an HTTP/1.0 or 1.1 request (or a chunked request body, which this target does not read). */
  readonly malformed: number;
  /** The head did not complete within the head timeout. */
  readonly headTimeout: number;
  /** accept() failed (EMFILE, ENFILE, ENOBUFS): the connection waited in the queue or was lost. */
  readonly acceptErrors: number;
  /** A response made no progress for the idle timeout (the client stopped reading): closed. Absent in results from before 0.4. */
  readonly writeTimeout?: number;
}

/** How the built-in target ends each connection. */
export const TARGET_CLOSE_POLICIES = ['server', 'client'] as const;
export type TargetClosePolicy = (typeof TARGET_CLOSE_POLICIES)[number];
