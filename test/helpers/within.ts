/** True when `actual` is within `pct` percent of `expected`: for counts where a few connections in flight may land either side. */
export function within(actual: number, expected: number, pct: number): boolean {
  return Math.abs(actual - expected) <= (expected * pct) / 100;
}
