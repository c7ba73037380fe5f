import type { Histogram } from 'hdr-histogram-js';

/**
 * A histogram's whole percentile distribution: every bucket's value, percentile and cumulative
 * count (the 100 % line is the max's bucket), and the mean and deviation. Without the footer's
 * `#[Max = ...]` and `#[Buckets = ...]` lines: hdr-histogram-js states a max added from a
 * histogram of another size as its bucket's lowest value and a decoded one as its highest, and
 * the buckets line says how far the counts array had grown, not what it holds. Counts are
 * compared on their own (`totalCount`).
 */
export function distributionOf(h: Histogram): string {
  return h
    .outputPercentileDistribution(5, 1)
    .split('\n')
    .filter((line) => !line.startsWith('#[Buckets') && !line.startsWith('#[Max'))
    .join('\n');
}
