import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram, decodeHistogram } from '../result/histogram.js';
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
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
}

function bump(counts: ErrorCounts, code: ErrorCode): void {
  counts[code] = (counts[code] ?? 0) + 1;
}

type Tag = (typeof SECOND_LATENCY_TAGS)[number];

/**
 * Latency histograms per second, for the interval logs. A second's histograms stay live while
 * outcomes may still land in it (the current second and the one before: outcomes arrive in
 * drained batches, a little out of order), then are compressed and dropped, so a long run holds
 * three histograms a second in its result and a handful in memory. An outcome later than that
 * reopens its second (decoded, recorded, compressed again): every value lands in exactly one second.
 */
class SecondHistograms {
  private readonly live = new Map<number, Partial<Record<Tag, Histogram>>>();
  private newest = 0;

  constructor(private readonly seconds: SecondCounts[]) {}

  record(index: number, tag: Tag, us: number): void {
    let entry = this.live.get(index);
    if (!entry) {
      entry = {};
      // Reopened: what was sealed comes back first.
      const sealed = this.seconds[index]?.latency;
      if (sealed) for (const t of SECOND_LATENCY_TAGS) if (sealed[t]) entry[t] = decodeHistogram(sealed[t]);
      this.live.set(index, entry);
    }
    (entry[tag] ??= createLatencyHistogram()).recordValue(us);
    if (index > this.newest) {
      this.newest = index;
      for (const k of this.live.keys()) if (k < index - 1) this.seal(k);
    }
  }

  private seal(index: number): void {
    const entry = this.live.get(index)!;
    const latency: NonNullable<SecondCounts['latency']> = {};
    for (const t of SECOND_LATENCY_TAGS) if (entry[t]) latency[t] = encodeIntoCompressedBase64(entry[t]);
    this.seconds[index]!.latency = latency;
    this.live.delete(index);
  }

  /** Compresses every second still live (before the counts leave the recorder). */
  sealAll(): void {
    for (const k of [...this.live.keys()]) this.seal(k);
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
  readonly connectUs: Histogram = createLatencyHistogram();
  readonly ttfbUs: Histogram = createLatencyHistogram();
  readonly totalUs: Histogram = createLatencyHistogram();
  readonly totalCorrectedUs: Histogram = createLatencyHistogram();
  attempts = 0;
  ok = 0;
  readonly errors: ErrorCounts = {};
  /** Non-2xx HTTP responses by exact status (`"502": 120`). */
  readonly statuses: Record<string, number> = {};
  readonly seconds: SecondCounts[] = [];
  readonly sources: SourceCounts[];
  firstExhaustion: FirstExhaustion | null = null;
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

  /** Records a latency in the run's histogram and in its second's. */
  private recordLatency(histogram: Histogram, tag: Tag, us: number, atMs: number): void {
    histogram.recordValue(us);
    this.perSecond.record(this.indexAt(atMs), tag, us);
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

  /** Connect and ttfb of an attempt, in the second it ended (`atMs`). */
  private recordTimings(t: ConnectionTimings, atMs: number): void {
    if (t.connectedMs !== null) this.recordLatency(this.connectUs, 'connectUs', toUs(t.connectedMs - t.startMs), atMs);
    if (t.firstByteMs !== null) this.recordLatency(this.ttfbUs, 'ttfbUs', toUs(t.firstByteMs - t.startMs), atMs);
  }

  /** Counts a success, in the second it completed. */
  success(sourceIndex: number, t: ConnectionTimings & { doneMs: number }): void {
    this.ok++;
    this.secondAt(t.doneMs).ok++;
    this.sources[sourceIndex]!.ok++;
    this.recordTimings(t, t.doneMs);
    const totalUs = toUs(t.doneMs - t.startMs);
    this.recordLatency(this.totalUs, 'totalUs', totalUs, t.doneMs);
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
    bump(this.secondAt(atMs).errors, code);
    bump(this.sources[sourceIndex]!.errors, code);
    if (t) this.recordTimings(t, atMs);
  }

  /** Total errors over all codes. */
  errorCount(): number {
    let n = 0;
    for (const v of Object.values(this.errors)) n += v ?? 0;
    return n;
  }
}
