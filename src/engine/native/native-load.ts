import { constants } from 'node:os';
import { classifyStatus } from '../error-codes.js';
import { snapshotOf, type LoadSnapshot } from '../load-snapshot.js';
import { Recorder, type ConnectionTimings } from '../recorder.js';
import type { NativeAddon, NativeConfig } from './addon.js';
import type { ErrorCode } from '../../result/error-codes.js';
import type { Progress } from '../../result/progress.js';

/** One native thread: its configuration and the plan-wide index of each of its sources. */
export interface NativePart {
  readonly config: Omit<NativeConfig, 'startMs'>;
  readonly sourceIndices: readonly number[];
}

/** What a native load needs beyond its parts. */
export interface NativeLoadSpec {
  readonly parts: readonly NativePart[];
  /** Labels of the plan's sources (`kernel` when the kernel chooses). */
  readonly sourceLabels: readonly string[];
  /** An HTTP target: a complete response's status decides ok; raw TCP has none. */
  readonly http: boolean;
  readonly durationMs: number | null;
  readonly requests: number | null;
  /** Open loop: the whole plan's rate, for the count of requests never sent. */
  readonly ratePerSec: number | null;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
  /** How often finished attempts are drained into the recorder. Default 20 ms. */
  readonly drainMs?: number;
}

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** Our negative outcome codes (src/native/record.h). */
const OWN_CODES: Record<number, ErrorCode> = { [-1]: 'TIMEOUT', [-2]: 'CLOSED_EARLY', [-3]: 'BAD_RESPONSE', [-4]: 'ABORTED' };

/** The error code of a record's outcome, or null for a success. */
export function outcomeCode(code: number, status: number, http: boolean): ErrorCode | null {
  if (code === 0) return http ? classifyStatus(status) : null;
  if (code < 0) return OWN_CODES[code] ?? 'OTHER';
  return (ERRNO_NAMES.get(code) as ErrorCode | undefined) ?? 'OTHER';
}

const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

/** Feeds a drained pc_record array into the recorder (layout: six doubles, then four int32). */
export function recordInto(recorder: Recorder, records: ArrayBuffer, sourceIndices: readonly number[], http: boolean): void {
  const f64 = new Float64Array(records);
  const i32 = new Int32Array(records);
  const count = records.byteLength / 64;
  for (let k = 0; k < count; k++) {
    const d = k * 8;
    const n = k * 16;
    const local = i32[n + 14]!;
    const source = local < 0 ? 0 : (sourceIndices[local] ?? 0);
    const t: ConnectionTimings = {
      intendedMs: f64[d]!,
      startMs: f64[d + 1]!,
      connectedMs: orNull(f64[d + 2]!),
      firstByteMs: orNull(f64[d + 3]!),
      doneMs: orNull(f64[d + 4]!),
    };
    recorder.attempt(source, t.startMs);
    const status = i32[n + 13]!;
    const code = outcomeCode(i32[n + 12]!, status, http);
    if (code === null) recorder.success(source, t as ConnectionTimings & { doneMs: number });
    else recorder.failure(source, code, f64[d + 5]!, t, http && status > 0 ? status : undefined);
  }
}

/**
 * Runs a load on native threads (one per part) and records what they hand back: every few tens
 * of milliseconds the finished attempts are drained into one Recorder, so histograms, seconds,
 * per-source counts and the result are the JavaScript engine's own code path. An abort stops the
 * threads from sending; their in-flight attempts get the grace period, then end as ABORTED.
 */
export function runNativeLoad(addon: NativeAddon, spec: NativeLoadSpec): Promise<LoadSnapshot> {
  const startMs = addon.nowMs();
  const recorder = new Recorder(startMs, spec.sourceLabels);
  const handles: object[] = [];
  try {
    for (const part of spec.parts) handles.push(addon.start({ ...part.config, startMs }));
  } catch (error) {
    for (const h of handles) addon.stop(h);
    return Promise.reject(error);
  }
  let interrupted = false;
  const onAbort = (): void => {
    interrupted = true;
    for (const h of handles) addon.stop(h);
  };
  if (spec.signal?.aborted) onAbort();
  spec.signal?.addEventListener('abort', onAbort, { once: true });

  return new Promise((resolve, reject) => {
    const finished = handles.map(() => false);
    const endMs = handles.map(() => startMs);
    const attempts = handles.map(() => 0);
    const inFlight = handles.map(() => 0);
    const drainAll = (): void => {
      handles.forEach((h, i) => {
        if (finished[i]) return;
        const d = addon.drain(h);
        if (d.records) recordInto(recorder, d.records, spec.parts[i]!.sourceIndices, spec.http);
        attempts[i] = d.attempts;
        inFlight[i] = d.inFlight;
        if (d.finished && d.records === null) {
          finished[i] = true;
          endMs[i] = d.endMs;
          if (d.failedErrno) failure = `native loop ${i + 1} failed: ${ERRNO_NAMES.get(d.failedErrno) ?? d.failedErrno}`;
        }
      });
    };
    let failure: string | null = null;
    let last = { attempts: 0, ok: 0, errors: 0 };
    const progress = setInterval(() => {
      const totals = { attempts: attempts.reduce((a, b) => a + b, 0), ok: recorder.ok, errors: recorder.errorCount() };
      spec.onProgress?.({
        elapsedMs: addon.nowMs() - startMs,
        ...totals,
        inFlight: inFlight.reduce((a, b) => a + b, 0),
        lastSecond: { attempts: totals.attempts - last.attempts, ok: totals.ok - last.ok, errors: totals.errors - last.errors },
      });
      last = totals;
    }, 1000);
    const poll = setInterval(() => {
      try {
        drainAll();
      } catch (error) {
        clearInterval(poll);
        clearInterval(progress);
        for (const h of handles) addon.stop(h);
        return reject(error);
      }
      if (!finished.every(Boolean)) return;
      clearInterval(poll);
      clearInterval(progress);
      spec.signal?.removeEventListener('abort', onAbort);
      if (failure) return reject(new Error(failure));
      const end = Math.max(...endMs);
      let unsent = 0;
      if (spec.ratePerSec !== null) {
        const until = spec.durationMs === null ? end : Math.min(end, startMs + spec.durationMs);
        const due = Math.floor(((until - startMs) * spec.ratePerSec) / 1000);
        unsent = Math.max(0, Math.min(spec.requests ?? Infinity, due) - recorder.attempts);
      }
      resolve(snapshotOf(recorder, { startMs, endMs: end, interrupted, unsent }));
    }, spec.drainMs ?? 20);
  });
}
