import type { EngineChoice } from '../plan/plan.js';
import type { TargetClosePolicy } from '../result/target-stats.js';

/** Settings of the built-in target. */
export interface TargetOptions {
  readonly listen: readonly { readonly host: string; readonly port: number }[];
  /** `server`: answer with `Connection: close` and close first. `client`: keep the connection open until the client closes, even if the request asks for close. */
  readonly close: TargetClosePolicy;
  readonly delayMs: number;
  readonly bodyBytes: number;
  /** `http` (default), or `tcp`: --body-size bytes written at accept, what the client sends read and dropped (native target only). */
  readonly protocol?: 'http' | 'tcp';
  /** Native target: epoll threads, each with its own SO_REUSEPORT listener (the JavaScript target has one). Default: defaultTargetThreads(). */
  readonly threads?: number;
  /** `auto`: the native target where the addon is built, the JavaScript one otherwise. Default `auto`. */
  readonly engine?: EngineChoice;
  /** A request head not complete this long after it began: the connection is closed. Default 60 s (Node's headersTimeout). */
  readonly headTimeoutMs?: number;
  /** A kept connection idle this long: the target closes it. Default 60 s. */
  readonly idleTimeoutMs?: number;
}

/** Path of the stats endpoint; its requests are not counted. */
export const STATS_PATH = '/__portchurn/stats';

/** The defaults of TargetOptions' optional fields, stated once. */
export const TARGET_DEFAULTS = { headTimeoutMs: 60_000, idleTimeoutMs: 60_000, engine: 'auto' as EngineChoice } as const;

/**
 * Native target threads by default: a quarter of the cores, at least one. On 2 cores one thread
 * serves more than one generator thread can send (bench/ measures it), and the other core is the
 * generator's and the kernel's; docs/run.md says how it scales.
 */
export function defaultTargetThreads(cores: number): number {
  return Math.max(1, Math.floor(cores / 4));
}
