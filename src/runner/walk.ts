/** What a walk over stages, profiles or variants gathered, and whether a signal cut it short. */
export interface Walked<R> {
  readonly done: readonly R[];
  /** True when a signal stopped the walk: before an item started, or during one (which is kept, partial). */
  readonly interrupted: boolean;
}

/** One item's outcome: its result (kept, even when interrupted), or null when it never ran. */
export type StepOutcome<R> = { readonly result: R; readonly interrupted: boolean } | null;

/**
 * Runs `step` on each item in order, the one loop that sweep, lab and proxy share: a signal seen
 * before an item starts ends the walk; an item that was interrupted is kept and ends it; an item
 * that never ran (null) ends it and is not kept. So a result always holds exactly what ran.
 */
export async function walkUntilStopped<T, R>(
  items: readonly T[],
  signal: AbortSignal | undefined,
  step: (item: T, index: number) => Promise<StepOutcome<R>>,
): Promise<Walked<R>> {
  const done: R[] = [];
  for (const [i, item] of items.entries()) {
    if (signal?.aborted) return { done, interrupted: true };
    const outcome = await step(item, i);
    if (outcome === null) return { done, interrupted: true };
    done.push(outcome.result);
    if (outcome.interrupted) return { done, interrupted: true };
  }
  return { done, interrupted: false };
}
