import type { HaproxyMode, ProxyKind, ProxyVariant } from '../plan/proxy-variants.js';
import type { Prediction } from './prediction.js';
import type { ResultHeader } from './header.js';
import type { RunResult } from './result.js';
import type { SocketReport } from './sockets.js';
import type { TargetStats } from './target-stats.js';

/** The result of `portchurn proxy` (and `portchurn nginx`): each proxy's variants side by side. */
export interface ProxyResult extends ResultHeader<'proxy'> {
  readonly profile: string | null;
  readonly kinds: readonly ProxyKind[];
  readonly variants: readonly ProxyVariantResult[];
  /** Variants asked for that a proxy does not have, and why. */
  readonly skipped: readonly SkippedVariant[];
}

export interface SkippedVariant {
  readonly kind: ProxyKind;
  readonly variant: ProxyVariant;
  readonly why: string;
}

/** What one variant measured. */
export interface ProxyVariantResult {
  readonly kind: ProxyKind;
  readonly variant: ProxyVariant;
  /** `http`, or `tcp` (HAProxy relaying connections). */
  readonly mode: HaproxyMode;
  /** The generated configuration, ready to copy. */
  readonly config: string;
  readonly upstreamClose: 'client' | 'server';
  readonly splitKey: string | null;
  /** The client side, through the proxy. */
  readonly client: RunResult;
  /**
   * What the built-in upstream counted while the proxy ran (read before the proxy was stopped):
   * connections per source address prove the split, `ended` shows what the proxy closed.
   */
  readonly upstream: TargetStats;
  /** The proxy's upstream-side sockets (its connections to the upstream), sampled by state. */
  readonly upstreamSockets: SocketReport | null;
  /** The proxy's own log lines about connecting upstream, by errno. */
  readonly errorLog: ErrorLogCounts;
  /** HAProxy's own counters (`show stat`, `show info`); null for nginx. */
  readonly counters: HaproxyCounters | null;
  /** What the proxy's upstream connections carried, and what that churn costs in ports. */
  readonly churn: UpstreamChurn | null;
  /** The capacity model for the proxy-to-upstream hop. */
  readonly model: Prediction;
  /** The proxy exited before the variant ended (it died or was killed): its status, and when. */
  readonly proxyExit: ProxyExit | null;
  /** The proxy's own CPU (its process group, from /proc) over the load and per second; absent in results from before 0.4, null where none was read. */
  readonly proxyCpu?: ProxyCpu | null;
  /** Where the kernel's port search falls for the proxy's upstream pairs, and what the proxy's CPU did there; null where nothing searches or TIME_WAIT is not the proxy's. */
  readonly portSearch?: ProxyPortSearch | null;
}

/** A proxy's CPU time (user and system, every process of its group). */
export interface ProxyCpu {
  readonly userMs: number;
  readonly systemMs: number;
  /** (user + system) over the load's wall time: 1 is one core busy. */
  readonly coreShare: number;
  /** Processes in the group at the last reading (master and workers). */
  readonly processes: number;
  /** Per interval between readings (about a second), by the second of the load its middle falls in. */
  readonly perSecond: readonly { readonly second: number; readonly userMs: number; readonly systemMs: number }[];
}

/** The port search on the proxy's upstream hop (docs/kernel.md). */
export interface ProxyPortSearch {
  /** (proxy source address, upstream) pairs. */
  readonly pairs: number;
  /** pairs x half the usable range: the upstream connection the fall comes at. */
  readonly fallAt: number;
  /** Upstream connections the proxy made (counted by the upstream). */
  readonly upstreamConnections: number;
  /** The second of the load the fall came in (upstream connections spread over the seconds as the client's ok were); null when it never came. */
  readonly fallSecond: number | null;
  /** The proxy's system time per second in the whole seconds before the fall and after it (ms); null where there are none. */
  readonly systemMsPerSecBefore: number | null;
  readonly systemMsPerSecAfter: number | null;
  /** The same per upstream connection (µs). */
  readonly systemUsPerConnectionBefore: number | null;
  readonly systemUsPerConnectionAfter: number | null;
  readonly reading: string;
}

/** Log lines counted by errno (nginx: `failed (99: ...)`; HAProxy: its message mapped to the errno behind it). */
export interface ErrorLogCounts {
  /** errno number -> lines. */
  readonly byErrno: Record<string, number>;
  /** Lines with no errno (other errors). */
  readonly other: number;
  /** The first line about running out of ports, as an example for the report. */
  readonly example: string | null;
}

/** HAProxy's own counters, from its stats socket. */
export interface HaproxyCounters {
  /** One row per server line of the backend. */
  readonly servers: readonly HaproxyServerCounters[];
  /** The backend's totals. */
  readonly backend: HaproxyServerCounters;
  /** From `show info`: the version and the process's totals. */
  readonly info: { readonly version: string; readonly cumConns: number | null; readonly uptimeSec: number | null };
  /** When the counters were read, ms after the variant's load started; the last read before the proxy stopped. */
  readonly readAtMs: number;
}

/** One `show stat` row: a server line, or the backend. */
export interface HaproxyServerCounters {
  readonly name: string;
  /** `stot`: sessions (requests in tcp mode: connections). */
  readonly sessions: number;
  /** `connect`: connections established to the server. */
  readonly connects: number;
  /** `reuse`: requests sent over a connection already established. */
  readonly reuses: number;
  /** `econ`: connection attempts that failed. */
  readonly connectErrors: number;
  /** `wretr`: retries. */
  readonly retries: number;
  /** `eresp`: response errors. */
  readonly responseErrors: number;
  /** HTTP responses by class (`hrsp_2xx`...); empty in tcp mode. */
  readonly responses: Record<string, number>;
}

/** What churned on the proxy's upstream side, measured, and what the model makes of it. */
export interface UpstreamChurn {
  /** Requests the upstream answered per connection it saw. */
  readonly requestsPerConnection: number | null;
  /** Upstream connections that ended during the load, and the requests each carried on average. */
  readonly endedConnections: number;
  readonly requestsPerEndedConnection: number | null;
  /** The most requests one ended upstream connection carried. */
  readonly maxRequestsPerConnection: number;
  /** Upstream connections ended per second of the load. */
  readonly endedPerSec: number;
  /** Who held the TIME_WAIT of an ended connection: the proxy, the upstream, nobody (a reset). */
  readonly timeWaitHeldBy: 'proxy' | 'upstream' | 'nobody';
  /** Seconds until that churn fills the usable 4-tuples at the measured rate; null when it never does. */
  readonly exhaustionSec: number | null;
  /** One sentence: what churned and why. */
  readonly reading: string;
}

export interface ProxyExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** ms after the variant's load started. */
  readonly atMs: number;
}
