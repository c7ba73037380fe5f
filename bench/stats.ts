/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Process CPU seconds (user + system) spent while `fn` ran. */
export async function withCpu<T>(fn: () => Promise<T>): Promise<{ value: T; cpuSec: number }> {
  const before = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(before);
  return { value, cpuSec: (used.user + used.system) / 1e6 };
}
