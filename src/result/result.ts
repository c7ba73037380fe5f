import type { Plan } from '../plan/plan.js';
import type { ErrorCounts, FirstExhaustion, SecondCounts, SourceCounts } from './counts.js';
import type { Prediction } from './prediction.js';
import type { SocketReport } from './sockets.js';
import type { EncodedHistogram } from './latency.js';
import type { CarryOver, Environment, KernelCounterDelta } from './environment.js';
import type { LimitedBy, StageCpu } from './limited-by.js';
import type { TargetClosePolicy, TargetStats } from './target-stats.js';
import type { ResultHeader } from './header.js';
import type { ThresholdOutcome } from './threshold-outcome.js';

/** The latency histograms of a run, each encoded with its summary. */
export interface RunLatency {
  /** Start of the attempt to TCP (or TLS) connected. */
  readonly connectUs: EncodedHistogram;
  /** Start to the first response byte. */
  readonly ttfbUs: EncodedHistogram;
  /** Start to the full response, measured from when the attempt actually started (uncorrected). */
  readonly totalUs: EncodedHistogram;
  /** Open loop only: from when the attempt should have started by the schedule (corrected for coordinated omission). */
  readonly totalCorrectedUs: EncodedHistogram | null;
  /**
   * Native engine: the time inside each attempt's connect() call, timed by the engine around the
   * call. For the kernel and nobind port paths the kernel's port search runs in it, so this is its
   * cost connection by connection. Null where the engine cannot see it (the JavaScript engine);
   * absent in results from before 0.4.
   */
  readonly connectCallUs?: EncodedHistogram | null;
  /** Native engine: the time inside each attempt's bind() call (the port search of the bind and explicit paths); null and absent as above. */
  readonly bindCallUs?: EncodedHistogram | null;
}

/** The result of `portchurn run`: the source of truth every report renders from. */
export interface RunResult extends ResultHeader<'run'> {
  /** The engine that ran the load (absent in results from before 0.2: the JavaScript one). */
  readonly engine?: 'native' | 'js';
  /** Why that engine ran (`--engine js was given`, `the native engine cannot run this: ...`); absent in results from before 0.3. */
  readonly engineReason?: string;
  readonly plan: Plan;
  readonly environment: Environment;
  readonly target: {
    readonly kind: 'builtin' | 'external';
    /** What the load was sent to, with real ports. */
    readonly endpoints: readonly { readonly host: string; readonly port: number }[];
    readonly url: string;
    /** Built-in target: how it closed connections. */
    readonly closePolicy: TargetClosePolicy | null;
    /** Built-in target: what it counted. */
    readonly stats: TargetStats | null;
    /** Built-in target: which one ran (the native one in the addon, or Node's http server), and why (absent before 0.3). */
    readonly engine?: 'native' | 'js';
    readonly engineReason?: string;
    /** Built-in target: the threads it served on. */
    readonly threads?: number;
  };
  /** TIME_WAIT sockets the sources held before the run (left by earlier runs). */
  readonly carryOver: CarryOver;
  readonly totals: {
    /** Time the load ran, from the first attempt until the last ended. */
    readonly durationMs: number;
    readonly attempts: number;
    readonly ok: number;
    readonly errorCount: number;
    readonly errors: ErrorCounts;
    /** Non-2xx HTTP responses by exact status. */
    readonly statuses: Readonly<Record<string, number>>;
    readonly attemptsPerSec: number;
    readonly okPerSec: number;
    /** Open loop: requests the schedule called for that were never sent (the window was full when the run ended). */
    readonly unsent: number;
  };
  /** The first EADDRNOTAVAIL / EADDRINUSE, and how many succeeded before it; null when ports never ran out. */
  readonly firstExhaustion: FirstExhaustion | null;
  /** The capacity model's prediction for this run's settings and duration. */
  readonly model: Prediction;
  readonly latency: RunLatency;
  /**
   * Native engine: attempts by the SYNs their connect retransmitted, connection by connection
   * (TCP_INFO's tcpi_total_retrans when the connect completed, or when the attempt ended still
   * connecting): index n counts the attempts with n, the last index 7 or more. A SYN a NAT or a
   * full listen queue dropped shows here (the client's backoff: resends at 1, 3, 7 s, or from Linux 6.7 at 1, 2, 3, 4, 5, 7 s) and in no errno.
   * Null from the JavaScript engine (Node cannot read TCP_INFO); absent before it was read.
   */
  readonly synRetransmits?: readonly number[] | null;
  /** One entry per second of the run. */
  readonly timeSeries: readonly SecondCounts[];
  /** When the load began (wall clock, taken as it started): second 0 of `timeSeries`, the interval logs' start. Absent in results written before it was kept. */
  readonly loadStartedAt?: string;
  /** One entry per source address (`kernel` when the kernel chose it). */
  readonly sources: readonly SourceCounts[];
  /** What the socket-state sampler saw; null when sampling was off. */
  readonly sockets: SocketReport | null;
  /** The kernel's own TCP counters over the stage (absent in results from before 0.2). */
  readonly kernel?: KernelCounterDelta | null;
  /** CPU time of the generator and of the built-in target over the stage. */
  readonly cpu?: StageCpu | null;
  /** What held the rate where it was, decided from the figures above. */
  readonly limitedBy?: LimitedBy;
  readonly warnings: readonly string[];
  /** What went wrong during the run without losing it (a crashed worker thread, attempts a native thread could not record); the CLI exits 1. */
  readonly failures?: readonly string[];
  /** `--fail-on` conditions and how each came out. */
  readonly thresholds?: readonly ThresholdOutcome[];
  /** Set by `portchurn merge`: one row per generator host whose result was merged in. */
  readonly hosts?: readonly MergedHost[];
}

/** What `portchurn merge` writes: a run result with a row per generator host. */
export type MergedRunResult = RunResult & { readonly hosts: readonly MergedHost[] };

/** One generator host's share of a merged result. */
export interface MergedHost {
  readonly file: string;
  readonly hostname: string;
  readonly startedAt: string;
  readonly attempts: number;
  readonly ok: number;
  readonly errorCount: number;
  readonly okPerSec: number;
  readonly sources: number;
}
