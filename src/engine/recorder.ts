import type { Histogram } from 'hdr-histogram-js';
import { compressHistogram, createGrowingLatencyHistogram, createLatencyHistogram, decodeHistogram } from '../result/histogram.js';
import { SECOND_LATENCY_TAGS, type ErrorCounts, type SecondCounts, type SourceCounts, type FirstExhaustion } from '../result/counts.js';
import type { ErrorCode } from '../result/error-codes.js';
import { LATENCY_BOUNDS_US, type LatencyBuckets } from '../result/progress.js';

/** Timings of one connection, in milliseconds on the engine clock; null where the phase was not reached. */
export interface ConnectionTimings {
  /** When the request should have started (open loop: its slot in the schedule; closed loop: = startMs). */
  intendedMs: number;
  startMs: number;
  connectedMs: number | null;
  firstByteMs: number | null;
  doneMs: number | null;
  /** Native engine: ns inside bind() and connect() (null: not called, or an engine that cannot see them). */
  bindNs?: number | null;
  connectNs?: number | null;
  /** Native engine: the SYNs the connect retransmitted (TCP_INFO); null where not read. */
  synRetrans?: number | null;
}

/** The last index of `synRetransmits`: attempts with this many SYN retransmits or more. */
export const SYN_RETRANS_MOST = 7;

function bump(counts: ErrorCounts, code: ErrorCode): void {
  counts[code] = (counts[code] ?? 0) + 1;
}

type Tag = (typeof SECOND_LATENCY_TAGS)[number];

/** One second's live histograms, one per tag. */
type SecondEntry = Record<Tag, Histogram>;

function emptyEntry(): SecondEntry {
  return {
    connectUs: createGrowingLatencyHistogram(),
    ttfbUs: createGrowingLatencyHistogram(),
    totalUs: createGrowingLatencyHistogram(),
    connectCallUs: createGrowingLatencyHistogram(),
    bindCallUs: createGrowingLatencyHistogram(),
  };
}

/**
 * Latency histograms per second, from which the run's are made (each value is recorded once, in
 * its second; the run's histogram is the seconds added, exactly). A second's histograms stay live
 * while outcomes may still land in it (the current second and the one before: outcomes arrive in
 * drained batches, a little out of order), then are added to the run's sum, compressed into the
 * second's `latency` and dropped, so a long run holds three histograms a second in its result and
 * a handful in memory. An outcome later than that reopens its second: what it gets is added to the
 * sum when it is sealed again, and its `latency` holds both.
 */
class SecondHistograms {
  private readonly live = new Map<number, SecondEntry>();
  /** The sealed seconds added up. */
  private readonly sealedSum = emptyEntry();
  private newest = 0;
  // The second most outcomes land in, looked up once per outcome rather than once per tag.
  private lastIndex = -1;
  private last: SecondEntry | null = null;

  constructor(private readonly seconds: SecondCounts[]) {}

  /** The live histograms of second `index`, opened (or reopened) as needed. */
  at(index: number): SecondEntry {
    if (index === this.lastIndex) return this.last!;
    let entry = this.live.get(index);
    if (!entry) {
      entry = emptyEntry();
      this.live.set(index, entry);
    }
    if (index > this.newest) {
      this.newest = index;
      for (const k of this.live.keys()) if (k < index - 1) this.seal(k);
    }
    this.lastIndex = index;
    this.last = entry;
    return entry;
  }

  private seal(index: number): void {
    const entry = this.live.get(index)!;
    const second = this.seconds[index]!;
    const latency: NonNullable<SecondCounts['latency']> = {};
    for (const t of SECOND_LATENCY_TAGS) {
      this.sealedSum[t].add(entry[t]);
      // A reopened second: what it held when first sealed, and what came late.
      const before = second.latency?.[t];
      if (before) entry[t].add(decodeHistogram(before));
      if (entry[t].totalCount > 0) latency[t] = compressHistogram(entry[t]);
    }
    second.latency = latency;
    this.live.delete(index);
    if (index === this.lastIndex) {
      this.lastIndex = -1;
      this.last = null;
    }
  }

  /** Compresses every second still live (before the counts leave the recorder). */
  sealAll(): void {
    for (const k of [...this.live.keys()]) this.seal(k);
  }

  /** The run's histogram of a tag so far: the sealed seconds and the live ones added (a new histogram). */
  total(tag: Tag): Histogram {
    const sum = createLatencyHistogram();
    sum.add(this.sealedSum[tag]);
    for (const entry of this.live.values()) sum.add(entry[tag]);
    return sum;
  }
}

function toUs(ms: number): number {
  // A loopback connect can take less than a microsecond to report; 1 µs keeps it visible as a minimum.
  return Math.max(1, Math.round(ms * 1000));
}

/**
 * Collects what the engine measures: a cheap `add` per outcome, nothing rendered. Histograms in µs:
 * connect (start to connected), ttfb (start to first response byte), total (start to full
 * response) and, for an open loop, totalCorrected (intended start to full response).
 */
export class Recorder {
  readonly totalCorrectedUs: Histogram = createLatencyHistogram();
  attempts = 0;
  ok = 0;
  readonly errors: ErrorCounts = {};
  /** Non-2xx HTTP responses by exact status (`"502": 120`). */
  readonly statuses: Record<string, number> = {};
  readonly seconds: SecondCounts[] = [];
  readonly sources: SourceCounts[];
  firstExhaustion: FirstExhaustion | null = null;
  /** Attempts by the SYNs their connect retransmitted (index n: n; the last, SYN_RETRANS_MOST or more); native engine only. */
  readonly synRetransmits: number[] = [];
  private readonly startMs: number;
  /** The successes' total latency in LATENCY_BOUNDS_US buckets (counts per bucket, not yet cumulative), and their sum. */
  private readonly bucketCounts = new Array<number>(LATENCY_BOUNDS_US.length + 1).fill(0);
  private latencySumUs = 0;
  private readonly perSecond = new SecondHistograms(this.seconds);

  constructor(startMs: number, sourceLabels: readonly string[]) {
    this.startMs = startMs;
    this.sources = sourceLabels.map((address) => ({ address, attempts: 0, ok: 0, errors: {} }));
  }

  private indexAt(ms: number): number {
    const index = Math.max(0, Math.floor((ms - this.startMs) / 1000));
    while (this.seconds.length <= index) this.seconds.push({ second: this.seconds.length, attempts: 0, ok: 0, errors: {} });
    return index;
  }

  private secondAt(ms: number): SecondCounts {
    return this.seconds[this.indexAt(ms)]!;
  }

  /** The run's connect times so far (µs): the seconds' added. */
  get connectUs(): Histogram {
    return this.perSecond.total('connectUs');
  }

  /** The run's times to first byte so far (µs). */
  get ttfbUs(): Histogram {
    return this.perSecond.total('ttfbUs');
  }

  /** The run's total latencies so far (µs). */
  get totalUs(): Histogram {
    return this.perSecond.total('totalUs');
  }

  /** The run's time inside connect() so far (µs; native engine). */
  get connectCallUs(): Histogram {
    return this.perSecond.total('connectCallUs');
  }

  /** The run's time inside bind() so far (µs; native engine). */
  get bindCallUs(): Histogram {
    return this.perSecond.total('bindCallUs');
  }

  /** Compresses the per-second histograms still open; call once the load has ended. */
  sealSeconds(): void {
    this.perSecond.sealAll();
  }

  /** Counts an attempt from source `sourceIndex` that started at `atMs`. */
  attempt(sourceIndex: number, atMs: number): void {
    this.attempts++;
    this.secondAt(atMs).attempts++;
    this.sources[sourceIndex]!.attempts++;
  }

  /** Connect and ttfb of an attempt, and its bind() and connect() calls where timed, in the histograms of its second. */
  private recordTimings(t: ConnectionTimings, second: SecondEntry): void {
    if (t.connectedMs !== null) second.connectUs.recordValue(toUs(t.connectedMs - t.startMs));
    if (t.firstByteMs !== null) second.ttfbUs.recordValue(toUs(t.firstByteMs - t.startMs));
    if (t.connectNs != null) second.connectCallUs.recordValue(toUs(t.connectNs / 1e6));
    if (t.bindNs != null) second.bindCallUs.recordValue(toUs(t.bindNs / 1e6));
    if (t.synRetrans != null) {
      const k = Math.min(t.synRetrans, SYN_RETRANS_MOST);
      while (this.synRetransmits.length <= k) this.synRetransmits.push(0);
      this.synRetransmits[k]!++;
    }
  }

  /** Counts a success, in the second it completed (its latencies too). */
  success(sourceIndex: number, t: ConnectionTimings & { doneMs: number }): void {
    this.ok++;
    const index = this.indexAt(t.doneMs);
    this.seconds[index]!.ok++;
    this.sources[sourceIndex]!.ok++;
    const second = this.perSecond.at(index);
    this.recordTimings(t, second);
    const totalUs = toUs(t.doneMs - t.startMs);
    second.totalUs.recordValue(totalUs);
    this.totalCorrectedUs.recordValue(toUs(t.doneMs - t.intendedMs));
    let b = 0;
    while (b < LATENCY_BOUNDS_US.length && totalUs > LATENCY_BOUNDS_US[b]!) b++;
    this.bucketCounts[b]!++;
    this.latencySumUs += totalUs;
  }

  /** The successes' total latency so far in fixed buckets, for a live histogram. */
  latencyBuckets(): LatencyBuckets {
    const counts: number[] = [];
    let running = 0;
    for (let i = 0; i < LATENCY_BOUNDS_US.length; i++) counts.push((running += this.bucketCounts[i]!));
    return { boundsUs: LATENCY_BOUNDS_US, counts, count: this.ok, sumUs: this.latencySumUs };
  }

  /** Counts a failure by code, in the second it was seen. */
  failure(sourceIndex: number, code: ErrorCode, atMs: number, t: ConnectionTimings | null, status?: number): void {
    if (status !== undefined) this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (this.firstExhaustion === null && (code === 'EADDRNOTAVAIL' || code === 'EADDRINUSE')) {
      this.firstExhaustion = { code, atMs: Math.round(atMs - this.startMs), okBefore: this.ok };
    }
    bump(this.errors, code);
    const index = this.indexAt(atMs);
    bump(this.seconds[index]!.errors, code);
    bump(this.sources[sourceIndex]!.errors, code);
    if (t) this.recordTimings(t, this.perSecond.at(index));
  }

  /** Total errors over all codes. */
  errorCount(): number {
    let n = 0;
    for (const v of Object.values(this.errors)) n += v ?? 0;
    return n;
  }
}
