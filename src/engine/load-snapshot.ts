import { compressHistogram, encodeHistogram, sumOfCompressed } from '../result/histogram.js';
import type { Recorder } from './recorder.js';
import type { EncodedHistogram } from '../result/latency.js';
import {
  SECOND_LATENCY_TAGS,
  type ErrorCounts,
  type FirstExhaustion,
  type SecondCounts,
  type SecondLatency,
  type SourceCounts,
} from '../result/counts.js';

/** What a load measured, in a form that crosses threads and hosts and merges exactly. */
export interface LoadSnapshot {
  readonly startMs: number;
  readonly endMs: number;
  readonly interrupted: boolean;
  readonly unsent: number;
  readonly attempts: number;
  readonly ok: number;
  readonly errors: ErrorCounts;
  readonly statuses: Record<string, number>;
  readonly seconds: readonly SecondCounts[];
  readonly sources: readonly SourceCounts[];
  readonly firstExhaustion: FirstExhaustion | null;
  /** Attempts by the SYNs their connect retransmitted (Recorder.synRetransmits); empty from the JavaScript engine. Absent from older parts. */
  readonly synRetransmits?: readonly number[];
  readonly histograms: {
    readonly connectUs: EncodedHistogram;
    readonly ttfbUs: EncodedHistogram;
    readonly totalUs: EncodedHistogram;
    readonly totalCorrectedUs: EncodedHistogram;
    /** Native engine: time inside connect() and bind() (empty from the JavaScript engine, which cannot see them). */
    readonly connectCallUs: EncodedHistogram;
    readonly bindCallUs: EncodedHistogram;
  };
}

/** Freezes a recorder into a snapshot. */
export function snapshotOf(r: Recorder, outcome: { startMs: number; endMs: number; interrupted: boolean; unsent: number }): LoadSnapshot {
  r.sealSeconds();
  return {
    // Named one by one: the outcome also carries the recorder, which must not cross threads.
    startMs: outcome.startMs,
    endMs: outcome.endMs,
    interrupted: outcome.interrupted,
    unsent: outcome.unsent,
    attempts: r.attempts,
    ok: r.ok,
    errors: r.errors,
    statuses: r.statuses,
    seconds: r.seconds,
    sources: r.sources,
    firstExhaustion: r.firstExhaustion,
    synRetransmits: [...r.synRetransmits],
    histograms: {
      connectUs: encodeHistogram(r.connectUs),
      ttfbUs: encodeHistogram(r.ttfbUs),
      totalUs: encodeHistogram(r.totalUs),
      totalCorrectedUs: encodeHistogram(r.totalCorrectedUs),
      connectCallUs: encodeHistogram(r.connectCallUs),
      bindCallUs: encodeHistogram(r.bindCallUs),
    },
  };
}

function addCounts<K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): void {
  for (const [k, v] of Object.entries(from) as [K, number][]) into[k] = (into[k] ?? 0) + v;
}

/** Adds arrays of counts position by position. */
function addPositions(lists: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (const list of lists) list.forEach((n, i) => (out[i] = (out[i] ?? 0) + n));
  return out;
}

/** Adds one compressed histogram to another, exactly (decoded, added, compressed again). */
function addCompressed(into: string | undefined, from: string | undefined): string | undefined {
  if (from === undefined) return into;
  if (into === undefined) return from;
  return compressHistogram(sumOfCompressed([into, from]));
}

/** Sums per-second counts and latency histograms by second index. */
export function mergeSeconds(lists: readonly (readonly SecondCounts[])[]): SecondCounts[] {
  const out: SecondCounts[] = [];
  for (const list of lists) {
    for (const s of list) {
      while (out.length <= s.second) out.push({ second: out.length, attempts: 0, ok: 0, errors: {} });
      // Coverage is re-marked from the merged duration (markPartialSeconds), not summed.
      const t = out[s.second]!;
      t.attempts += s.attempts;
      t.ok += s.ok;
      addCounts(t.errors, s.errors);
      if (s.latency) {
        const latency: SecondLatency = { ...t.latency };
        for (const tag of SECOND_LATENCY_TAGS) {
          const sum = addCompressed(latency[tag], s.latency[tag]);
          if (sum !== undefined) latency[tag] = sum;
        }
        t.latency = latency;
      }
    }
  }
  return out;
}

/**
 * Marks the seconds a load of `durationMs` did not fill with `coveredMs` (the trailing partial
 * second), so that no chart or rate reads its counts as a whole second's.
 */
export function markPartialSeconds(seconds: readonly SecondCounts[], durationMs: number): SecondCounts[] {
  return seconds.map((s) => {
    const { coveredMs: _old, ...counts } = s;
    const covered = Math.max(0, Math.min(1000, Math.round(durationMs - s.second * 1000)));
    return covered < 1000 ? { ...counts, coveredMs: covered } : counts;
  });
}

/** Adds encoded histograms exactly (decode, add, encode). */
export function mergeHistograms(list: readonly EncodedHistogram[]): EncodedHistogram {
  return encodeHistogram(sumOfCompressed(list.map((h) => h.hdr)));
}

/**
 * Merges snapshots of parts of one load (worker threads, or generator hosts): counts summed,
 * seconds aligned by index (the parts share a start), sources with the same address summed,
 * histograms added exactly, the earliest exhaustion kept (with the successes all parts had by then
 * unknown, its okBefore is the sum of each part's own okBefore at its first exhaustion).
 */
export function mergeSnapshots(parts: readonly LoadSnapshot[]): LoadSnapshot {
  if (parts.length === 1) return parts[0]!;
  const errors: ErrorCounts = {};
  const statuses: Record<string, number> = {};
  const sources = new Map<string, SourceCounts>();
  for (const p of parts) {
    addCounts(errors, p.errors);
    addCounts(statuses, p.statuses);
    for (const s of p.sources) {
      const t = sources.get(s.address) ?? { address: s.address, attempts: 0, ok: 0, errors: {} };
      t.attempts += s.attempts;
      t.ok += s.ok;
      addCounts(t.errors, s.errors);
      sources.set(s.address, t);
    }
  }
  const exhausted = parts.map((p) => p.firstExhaustion).filter((f): f is FirstExhaustion => f !== null);
  const first = exhausted.sort((a, b) => a.atMs - b.atMs)[0];
  const h = (name: keyof LoadSnapshot['histograms']): EncodedHistogram => mergeHistograms(parts.map((p) => p.histograms[name]));
  return {
    startMs: Math.min(...parts.map((p) => p.startMs)),
    endMs: Math.max(...parts.map((p) => p.endMs)),
    interrupted: parts.some((p) => p.interrupted),
    unsent: parts.reduce((a, p) => a + p.unsent, 0),
    attempts: parts.reduce((a, p) => a + p.attempts, 0),
    ok: parts.reduce((a, p) => a + p.ok, 0),
    errors,
    statuses,
    seconds: mergeSeconds(parts.map((p) => p.seconds)),
    sources: [...sources.values()],
    firstExhaustion: first ? { ...first, okBefore: exhausted.reduce((a, f) => a + f.okBefore, 0) } : null,
    synRetransmits: addPositions(parts.map((p) => p.synRetransmits ?? [])),
    histograms: {
      connectUs: h('connectUs'),
      ttfbUs: h('ttfbUs'),
      totalUs: h('totalUs'),
      totalCorrectedUs: h('totalCorrectedUs'),
      connectCallUs: h('connectCallUs'),
      bindCallUs: h('bindCallUs'),
    },
  };
}
