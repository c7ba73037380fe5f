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
}

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
