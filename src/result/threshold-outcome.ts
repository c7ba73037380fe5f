/** How a threshold came out on one run or stage. */
export interface ThresholdOutcome {
  readonly text: string;
  /** Stage number (1-based) in a sweep; null for a single run. */
  readonly stage: number | null;
  readonly measured: number | null;
  readonly limit: number | null;
  /** True when the condition to fail on holds. */
  readonly failed: boolean;
  readonly note: string | null;
}
