import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import type { LatencySummary, EncodedHistogram } from './latency.js';

/** Highest latency a histogram tracks: one hour in microseconds. */
const HIGHEST_US = 3_600_000_000;

/** A latency histogram in microseconds, 3 significant digits. */
export function createLatencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, autoResize: true });
}

/**
 * A latency histogram like createLatencyHistogram's, which starts with buckets to 16 ms and grows
 * as larger values come (autoResize). For the per-second histograms, three of which start every
 * second: one sized to an hour from the start is 90 KB of counts to allocate and collect.
 */
export function createGrowingLatencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 16_384, numberOfSignificantValueDigits: 3, autoResize: true });
}

/** Summarises a histogram. An empty histogram gives zeros. */
export function summarize(histogram: Histogram): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, minUs: 0, p50Us: 0, p90Us: 0, p99Us: 0, p999Us: 0, maxUs: 0, meanUs: 0 };
  const maxUs = histogram.maxValue;
  // A percentile is reported as the highest value of its bucket, which can lie past the largest
  // value recorded; capping it at the max keeps p99 <= max in every report.
  const at = (percentile: number): number => Math.min(histogram.getValueAtPercentile(percentile), maxUs);
  return {
    count,
    minUs: histogram.minNonZeroValue,
    p50Us: at(50),
    p90Us: at(90),
    p99Us: at(99),
    p999Us: at(99.9),
    maxUs,
    meanUs: Math.round(histogram.mean),
  };
}

/**
 * Encodes a histogram with its summary. The summary is taken from the decoded encoding, so that
 * anyone who decodes `hdr` gets exactly the figures the result states (decoding rebuilds the
 * max and min from bucket counts).
 */
export function encodeHistogram(histogram: Histogram): EncodedHistogram {
  const hdr = compressHistogram(histogram);
  return { summary: summarize(decodeHistogram(hdr)), hdr };
}

/** A histogram compressed as `hdr` is (hdr-histogram-js' compressed base64), without the summary: a second's latency. */
export function compressHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** The exact sum of compressed histograms, decoded. */
export function sumOfCompressed(hdrs: readonly string[]): Histogram {
  const [first, ...rest] = hdrs.map(decodeHistogram);
  if (!first) return createLatencyHistogram();
  for (const h of rest) first.add(h);
  return first;
}

/**
 * Decodes a compressed histogram (the `hdr` field of an encoded histogram, a second's latency).
 * The result grows to take any value added to it: an encoding keeps the range the histogram had
 * grown to, not that it could grow, and a second's histogram that went to 16 ms must still take
 * another's 2 s when the two are added.
 */
export function decodeHistogram(hdr: string): Histogram {
  const h = decodeFromCompressedBase64(hdr);
  h.autoResize = true;
  return h;
}
