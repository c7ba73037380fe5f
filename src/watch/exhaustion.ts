/** What the projection of one group needs. */
export interface ExhaustionInput {
  readonly usablePorts: number;
  /** Held ports that stay held (established and other states): taken as steady. */
  readonly steady: number;
  /** For each held TIME_WAIT port: seconds until it stops being held (freed, or old enough for reuse). */
  readonly releasesSec: readonly number[];
  /** New connections per second, each holding its port for holdSec once it closes. */
  readonly ratePerSec: number;
  readonly holdSec: number;
}

/**
 * When the held ports of a group reach its usable ports, at a constant rate of new connections:
 * held(t) = steady + (TIME_WAIT ports not yet released at t) + rate × min(t, holdSec). Between
 * two releases held(t) only grows, so each stretch is solved on its own; after the last release
 * and holdSec it stays at steady + rate × holdSec. Returns seconds (0: exhausted now), or null
 * when it never gets there at this rate.
 */
export function secondsToExhaustion(input: ExhaustionInput): number | null {
  const { usablePorts, steady, ratePerSec, holdSec } = input;
  const releases = input.releasesSec.filter((r) => r > 0).sort((a, b) => a - b);
  if (steady + releases.length >= usablePorts) return 0;
  if (ratePerSec <= 0) return null;
  const points = [...new Set([0, ...releases, holdSec])].sort((a, b) => a - b);
  let released = 0;
  for (let i = 0; i < points.length; i++) {
    const from = points[i]!;
    const to = points[i + 1] ?? Infinity;
    while (released < releases.length && releases[released]! <= from) released++;
    const held = steady + (releases.length - released);
    if (from >= holdSec) {
      if (held + ratePerSec * holdSec >= usablePorts) return from;
      continue;
    }
    const t = (usablePorts - held) / ratePerSec;
    if (t < to) return Math.max(from, t);
  }
  return null;
}
