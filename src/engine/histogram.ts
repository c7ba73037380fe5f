import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** Highest latency a histogram tracks: one hour in microseconds. */
const HIGHEST_US = 3_600_000_000;

/** A latency histogram in microseconds, 3 significant digits. */
export function createLatencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, autoResize: true });
}

/** The figures every report shows of one histogram, in microseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly minUs: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
  readonly meanUs: number;
}

/** A histogram as a result stores it: the exact data, and its summary. */
export interface EncodedHistogram {
  readonly summary: LatencySummary;
  /** hdr-histogram-js `encodeIntoCompressedBase64`: decode, merge and re-summarise exactly. */
  readonly hdr: string;
}

/** Summarises a histogram. An empty histogram gives zeros. */
export function summarize(histogram: Histogram): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, minUs: 0, p50Us: 0, p90Us: 0, p99Us: 0, p999Us: 0, maxUs: 0, meanUs: 0 };
  return {
    count,
    minUs: histogram.minNonZeroValue,
    p50Us: histogram.getValueAtPercentile(50),
    p90Us: histogram.getValueAtPercentile(90),
    p99Us: histogram.getValueAtPercentile(99),
    p999Us: histogram.getValueAtPercentile(99.9),
    maxUs: histogram.maxValue,
    meanUs: Math.round(histogram.mean),
  };
}

/** Encodes a histogram with its summary. */
export function encodeHistogram(histogram: Histogram): EncodedHistogram {
  return { summary: summarize(histogram), hdr: encodeIntoCompressedBase64(histogram) };
}

/** Decodes the `hdr` field of an encoded histogram. */
export function decodeHistogram(hdr: string): Histogram {
  return decodeFromCompressedBase64(hdr);
}
