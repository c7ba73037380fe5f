import type { ErrorCode } from './error-codes.js';

/** Error counts by code. */
export type ErrorCounts = Partial<Record<ErrorCode, number>>;

/** Counts of one second of the run (second 0 starts when the load starts). */
export interface SecondCounts {
  second: number;
  attempts: number;
  ok: number;
  errors: ErrorCounts;
  /**
   * Set only on a second the load did not fill (the last one, when the run ended mid-second):
   * how many of its milliseconds the load ran. Its counts are not a per-second rate.
   */
  coveredMs?: number;
  /**
   * The latencies recorded in this second, each a compressed HdrHistogram (base64, as `hdr` in the
   * run's histograms): connect and ttfb of every attempt that got that far, total of every
   * success, by the second it ended. The seconds of a tag add up exactly to the run's histogram;
   * the interval logs (.hlog) are written from them. A tag with nothing recorded is absent; absent
   * altogether in results from before 0.3.
   */
  latency?: SecondLatency;
}

/** A second's latency histograms, compressed. */
export interface SecondLatency {
  connectUs?: string;
  ttfbUs?: string;
  totalUs?: string;
  /** Native engine: the time inside connect() itself (the kernel's port search for the kernel and nobind paths). */
  connectCallUs?: string;
  /** Native engine: the time inside bind() itself (the port search for bind and explicit). */
  bindCallUs?: string;
}

/** The per-second latency tags, in the order interval logs write them. */
export const SECOND_LATENCY_TAGS = ['connectUs', 'ttfbUs', 'totalUs', 'connectCallUs', 'bindCallUs'] as const;

/** The tags only the native engine records (its own system calls, timed inside the loop). */
export const SYSCALL_TAGS = ['connectCallUs', 'bindCallUs'] as const;

/** Counts for one source address. */
export interface SourceCounts {
  address: string;
  attempts: number;
  ok: number;
  errors: ErrorCounts;
}

/** The first sign that ports ran out: how far the stage got before it. */
export interface FirstExhaustion {
  readonly code: 'EADDRNOTAVAIL' | 'EADDRINUSE';
  /** Milliseconds since the load started. */
  readonly atMs: number;
  /** Successes counted before it. */
  readonly okBefore: number;
}
