/** A snapshot for a progress line, taken once a second. */
export interface Progress {
  readonly elapsedMs: number;
  readonly attempts: number;
  readonly ok: number;
  readonly errors: number;
  readonly inFlight: number;
  /** Counts of the last whole second. */
  readonly lastSecond: { readonly attempts: number; readonly ok: number; readonly errors: number } | null;
}
