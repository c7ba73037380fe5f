import { constants } from 'node:os';
import { classifyStatus } from '../error-codes.js';
import type { EngineOutcome, LoadEngine, LoadHooks, LoadJob } from '../load-engine.js';
import { snapshotOf } from '../load-snapshot.js';
import { ProgressMeter, unsentOf } from '../progress-meter.js';
import { Recorder, type ConnectionTimings } from '../recorder.js';
import { ATTEMPT, F64_PER_RECORD, I32_PER_RECORD, NOT_CALLED, OUTCOME_CODES } from '../../addon/abi.js';
import type { NativeAddon, NativeDrain } from '../../addon/addon.js';
import { nativeConfigOf } from './native-config.js';
import { checkNativeConfig } from '../../addon/configs.js';
import type { ErrorCode } from '../../result/error-codes.js';

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** How often finished attempts are drained into the recorder. */
const DRAIN_MS = 20;

/** The error code of a record's outcome (abi.json's outcomeCodes), or null for a success. */
export function outcomeCode(code: number, status: number, http: boolean): ErrorCode | null {
  if (code === 0) return http ? classifyStatus(status) : null;
  if (code < 0) return OUTCOME_CODES.get(code) ?? 'OTHER';
  return (ERRNO_NAMES.get(code) as ErrorCode | undefined) ?? 'OTHER';
}

const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);
const called = (ns: number): number | null => (ns === NOT_CALLED ? null : ns);
/** An i32 field the engine leaves at -1 when it did not read it (the SYN retransmits). */
const notRead = (v: number): number | null => (v < 0 ? null : v);

/**
 * Feeds drained attempt records into the recorder, each field read by its name in abi.json.
 * A record's source index points into its thread's sources; `sourceIndices` maps those to the
 * whole load's labels (the kernel's choice, -1, is label 0).
 */
export function recordInto(recorder: Recorder, records: ArrayBuffer, sourceIndices: readonly number[], http: boolean): void {
  const f64 = new Float64Array(records);
  const i32 = new Int32Array(records);
  const u32 = new Uint32Array(records);
  const count = f64.length / F64_PER_RECORD;
  for (let k = 0; k < count; k++) {
    const d = k * F64_PER_RECORD;
    const n = k * I32_PER_RECORD;
    const local = i32[n + ATTEMPT.sourceIndex]!;
    const source = local < 0 ? 0 : (sourceIndices[local] ?? 0);
    const t: ConnectionTimings = {
      intendedMs: f64[d + ATTEMPT.intendedMs]!,
      startMs: f64[d + ATTEMPT.startMs]!,
      connectedMs: orNull(f64[d + ATTEMPT.connectedMs]!),
      firstByteMs: orNull(f64[d + ATTEMPT.firstByteMs]!),
      doneMs: orNull(f64[d + ATTEMPT.doneMs]!),
      bindNs: called(u32[n + ATTEMPT.bindNs]!),
      connectNs: called(u32[n + ATTEMPT.connectNs]!),
      synRetrans: notRead(i32[n + ATTEMPT.synRetrans]!),
    };
    recorder.attempt(source, t.startMs);
    const status = i32[n + ATTEMPT.status]!;
    const code = outcomeCode(i32[n + ATTEMPT.code]!, status, http);
    if (code === null) recorder.success(source, t as ConnectionTimings & { doneMs: number });
    else recorder.failure(source, code, f64[d + ATTEMPT.atMs]!, t, http && status > 0 ? status : undefined);
  }
}

/** One native thread as the engine follows it. */
interface Thread {
  readonly handle: object;
  readonly sourceIndices: readonly number[];
  readonly ratePerSec: number | null;
  readonly requests: number | null;
  last: NativeDrain | null;
  done: boolean;
}

/**
 * The native engine: one epoll thread per part, started from configurations checked against
 * abi.json, drained every few tens of milliseconds into one Recorder, so histograms, seconds,
 * per-source counts and the result are the JavaScript engine's own code path. An abort stops
 * the threads from sending; their in-flight attempts get the grace period, then end as ABORTED.
 * A thread whose loop fails, records that could not be kept, or a drain that throws are
 * failures beside what was measured, never a lost run.
 */
export function nativeEngine(addon: NativeAddon): LoadEngine {
  return { name: 'native', run: (job, hooks) => runNative(addon, job, hooks) };
}

function runNative(addon: NativeAddon, job: LoadJob, hooks: LoadHooks): Promise<EngineOutcome> {
  const startMs = addon.nowMs();
  const configs = job.parts.map((part) => nativeConfigOf(job, part, startMs));
  configs.forEach((c) => checkNativeConfig(c));
  const http = job.target.protocol !== 'tcp';
  const recorder = new Recorder(startMs, job.sourceLabels);
  const threads: Thread[] = [];
  try {
    job.parts.forEach((part, i) =>
      threads.push({
        handle: addon.start(configs[i]!),
        sourceIndices: part.sourceIndices,
        ratePerSec: part.load.kind === 'open' ? part.load.ratePerSec : null,
        requests: part.requests,
        last: null,
        done: false,
      }),
    );
  } catch (error) {
    for (const t of threads) addon.stop(t.handle);
    return Promise.reject(error);
  }
  let interrupted = false;
  const onAbort = (): void => {
    interrupted = true;
    for (const t of threads) addon.stop(t.handle);
  };
  if (hooks.signal?.aborted) onAbort();
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  const failures: string[] = [];
  const meter = new ProgressMeter(startMs);

  const drainAll = (): void => {
    for (const [i, t] of threads.entries()) {
      if (t.done) continue;
      const d = addon.drain(t.handle);
      if (d.records) recordInto(recorder, d.records, t.sourceIndices, http);
      t.last = d;
      // Done once it finished and a drain after that found nothing more.
      if (d.finished && d.records === null) {
        t.done = true;
        if (d.failedErrno) failures.push(`native thread ${i + 1}: its loop failed (${ERRNO_NAMES.get(d.failedErrno) ?? d.failedErrno})`);
        if (d.lostRecords > 0)
          failures.push(`native thread ${i + 1}: ${d.lostRecords} finished attempts are missing from the figures (out of memory)`);
      }
    }
  };

  return new Promise((resolve) => {
    const sum = (f: (d: NativeDrain) => number): number => threads.reduce((a, t) => a + (t.last ? f(t.last) : 0), 0);
    const progress = setInterval(() => {
      const totals = { attempts: sum((d) => d.attempts), ok: recorder.ok, errors: recorder.errorCount() };
      const live = { errorCodes: { ...recorder.errors }, latency: recorder.latencyBuckets() };
      hooks.onProgress?.(
        meter.next(
          addon.nowMs(),
          totals,
          sum((d) => d.inFlight),
          live,
        ),
      );
    }, 1000);
    const finish = (): void => {
      clearInterval(poll);
      clearInterval(progress);
      hooks.signal?.removeEventListener('abort', onAbort);
      const endMs = Math.max(startMs, ...threads.map((t) => (t.done && t.last ? t.last.endMs : addon.nowMs())));
      const unsent = threads.reduce(
        (a, t) =>
          a +
          unsentOf({
            ratePerSec: t.ratePerSec,
            startMs,
            endMs,
            durationMs: job.durationMs,
            requests: t.requests,
            attempts: t.last?.attempts ?? 0,
          }),
        0,
      );
      resolve({ snapshot: snapshotOf(recorder, { startMs, endMs, interrupted, unsent }), failures });
    };
    const poll = setInterval(() => {
      try {
        drainAll();
      } catch (error) {
        // What was drained so far stays in the result; the threads are told to stop.
        for (const t of threads) addon.stop(t.handle);
        failures.push(`native drain failed: ${(error as Error).message}`);
        return finish();
      }
      if (threads.every((t) => t.done)) finish();
    }, DRAIN_MS);
  });
}
