import type { ErrorCounts } from './counts.js';

/** A snapshot for a progress line, taken once a second. */
export interface Progress {
  readonly elapsedMs: number;
  readonly attempts: number;
  readonly ok: number;
  readonly errors: number;
  readonly inFlight: number;
  /** Counts of the last whole second. */
  readonly lastSecond: { readonly attempts: number; readonly ok: number; readonly errors: number } | null;
  /** Errors so far by code (absent from older producers). */
  readonly errorCodes?: ErrorCounts;
  /** The successes' total latency so far, in fixed buckets (for a live Prometheus histogram). */
  readonly latency?: LatencyBuckets;
}

/** A latency histogram in fixed buckets, as Prometheus keeps one: cumulative counts at each bound. */
export interface LatencyBuckets {
  /** Upper bounds, µs (LATENCY_BOUNDS_US). */
  readonly boundsUs: readonly number[];
  /** counts[i]: values at or below boundsUs[i]. */
  readonly counts: readonly number[];
  readonly count: number;
  readonly sumUs: number;
}

/** The buckets' upper bounds: 100 µs to 10 s, as Prometheus' default buckets run from 5 ms to 10 s. */
export const LATENCY_BOUNDS_US: readonly number[] = [
  100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000,
];
