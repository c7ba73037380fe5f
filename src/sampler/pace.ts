/** Most of one core the sampler may take: a sample that costs C ms waits at least C / share ms for the next. */
export const SAMPLER_CPU_SHARE = 0.05;

/**
 * The delay before the next sample: the asked interval, stretched when samples get expensive
 * (one read of /proc/net/tcp costs about 2 µs a socket in the kernel, so ~0.25 s at 130,000
 * TIME_WAIT sockets), so that the sampler never takes more than SAMPLER_CPU_SHARE of a core from
 * a machine the load is saturating. Pure.
 */
export function nextSampleDelayMs(intervalMs: number, lastCostMs: number): number {
  return Math.max(intervalMs, Math.ceil(lastCostMs / SAMPLER_CPU_SHARE) - lastCostMs);
}
