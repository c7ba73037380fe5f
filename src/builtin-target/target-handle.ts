import type { TargetStats } from '../result/target-stats.js';

/** A running built-in target: the native one (epoll threads in the addon) or the JavaScript one (Node's http server in a worker thread). */
export interface BuiltinTarget {
  /** Which target runs, and why (every result says it). */
  readonly engine: 'native' | 'js';
  readonly reason: string;
  /** Threads it serves on. */
  readonly threads: number;
  /** Where it listens (real ports). */
  readonly addresses: readonly { readonly host: string; readonly port: number }[];
  /** The counters so far. */
  stats(): Promise<TargetStats>;
  /** Closes every connection and listener, ends the thread, returns the final counters. */
  close(): Promise<TargetStats>;
}
