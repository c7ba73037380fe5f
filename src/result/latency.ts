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
