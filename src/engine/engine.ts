import type { LoadModel } from '../plan/plan.js';
import { Pacer } from './pacer.js';
import { Recorder } from './recorder.js';
import type { SourcePicker } from './source-picker.js';
import type { Outcome, Transport } from './transport.js';
import type { Progress } from '../result/progress.js';

/** The timers the engine schedules with; Node's by default, a fake clock's in tests. */
export interface EngineTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  setImmediate(fn: () => void): unknown;
}

/** Node's own timers. */
export const NODE_TIMERS: EngineTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
  setImmediate: (fn) => setImmediate(fn),
};

/** What the engine needs; everything that touches the host comes in through here. */
export interface EngineOptions {
  readonly transport: Transport;
  readonly picker: SourcePicker;
  /** Labels of the sources, index-aligned with the picker's `sourceIndex`. */
  readonly sourceLabels: readonly string[];
  readonly load: LoadModel;
  readonly durationMs: number | null;
  readonly requests: number | null;
  /** Clock in milliseconds (performance.now by default). */
  readonly now?: () => number;
  /** Timers on the same clock as `now` (Node's by default). */
  readonly timers?: EngineTimers;
  /** When the load started on `now`'s clock, if earlier than this call (worker threads share one start). */
  readonly startMs?: number;
  /** Stop sending; in-flight attempts get `graceMs` to finish, then end as ABORTED. */
  readonly signal?: AbortSignal;
  /** Grace for in-flight attempts after an abort. Default 2,000 ms. */
  readonly graceMs?: number;
  readonly onProgress?: (progress: Progress) => void;
}

/** The engine's raw result. */
export interface LoadOutcome {
  readonly recorder: Recorder;
  readonly startMs: number;
  readonly endMs: number;
  /** True when the signal stopped the load before its bound. */
  readonly interrupted: boolean;
  /** Open loop: scheduled requests never sent because the run ended while --max-in-flight was reached. */
  readonly unsent: number;
}

/**
 * Runs the load until `durationMs` passes or `requests` attempts were made, whichever is first.
 * Closed loop: `connections` attempts in flight, each replaced when it ends. Open loop: attempts
 * start on the pacer's schedule; latency is also measured from the intended start, so time spent
 * waiting for a free slot (coordinated omission) shows in the corrected histogram.
 */
export function runLoad(options: EngineOptions): Promise<LoadOutcome> {
  const now = options.now ?? (() => performance.now());
  const timers = options.timers ?? NODE_TIMERS;
  const startMs = options.startMs ?? now();
  const recorder = new Recorder(startMs, options.sourceLabels);
  const deadlineMs = options.durationMs === null ? Infinity : startMs + options.durationMs;
  const maxAttempts = options.requests ?? Infinity;
  const { load, transport, picker } = options;
  let inFlight = 0;
  let stopping = false;
  let interrupted = false;
  let waitingLaunches = 0;
  let launchScheduled = false;
  let tickTimer: unknown = null;
  let graceTimer: unknown = null;

  return new Promise<LoadOutcome>((resolve) => {
    const finishIfIdle = (): void => {
      if (!stopping || inFlight > 0) return;
      if (tickTimer !== null) timers.clearTimeout(tickTimer);
      if (graceTimer !== null) timers.clearTimeout(graceTimer);
      timers.clearTimeout(deadlineTimer);
      timers.clearInterval(progressTimer);
      options.signal?.removeEventListener('abort', onAbort);
      const pacerLeft = pacer
        ? Math.max(0, Math.min(maxAttempts, pacer.due(Math.min(now(), deadlineMs)) + pacer.taken) - recorder.attempts)
        : 0;
      resolve({ recorder, startMs, endMs: now(), interrupted, unsent: pacerLeft });
    };
    const stop = (): void => {
      stopping = true;
      finishIfIdle();
    };
    const onAbort = (): void => {
      interrupted = true;
      stop();
      if (inFlight > 0) graceTimer = timers.setTimeout(() => transport.abortInFlight(), options.graceMs ?? 2000);
    };

    const onOutcome =
      (sourceIndex: number) =>
      (outcome: Outcome): void => {
        inFlight--;
        if (outcome.ok) recorder.success(sourceIndex, outcome.timings);
        else recorder.failure(sourceIndex, outcome.code, outcome.atMs, outcome.timings, outcome.status);
        if (stopping) finishIfIdle();
        else if (load.kind === 'closed') scheduleLaunch();
        else tick();
      };

    const launch = (intendedMs: number | null): boolean => {
      const t = now();
      if (stopping || t >= deadlineMs || recorder.attempts >= maxAttempts) {
        stop();
        return false;
      }
      const choice = picker.next();
      recorder.attempt(choice.sourceIndex, t);
      inFlight++;
      transport.send(choice, intendedMs ?? t, onOutcome(choice.sourceIndex));
      return true;
    };

    // Closed loop: a finished attempt queues its replacement, launched from a fresh macrotask.
    // An attempt that fails at once (EADDRNOTAVAIL) reports on process.nextTick; launching from
    // there would chain nextTicks forever and starve the timers that end the run.
    const scheduleLaunch = (): void => {
      waitingLaunches++;
      if (launchScheduled) return;
      launchScheduled = true;
      timers.setImmediate(() => {
        launchScheduled = false;
        const n = waitingLaunches;
        waitingLaunches = 0;
        for (let i = 0; i < n; i++) if (!launch(null)) break;
      });
    };

    const pacer = load.kind === 'open' ? new Pacer(startMs, load.ratePerSec) : null;
    const tick = (): void => {
      if (!pacer || load.kind !== 'open' || stopping) return;
      const t = now();
      if (t >= deadlineMs || pacer.taken >= maxAttempts) return stop();
      let due = pacer.due(t);
      while (due > 0 && inFlight < load.maxInFlight && pacer.taken < maxAttempts) {
        if (!launch(pacer.take())) return;
        due--;
      }
      if (tickTimer !== null) timers.clearTimeout(tickTimer);
      tickTimer = null;
      if (pacer.taken >= maxAttempts) return;
      // With a full window, a completion calls tick(); otherwise wake at the next slot.
      if (inFlight < load.maxInFlight) tickTimer = timers.setTimeout(tick, Math.max(0, pacer.nextDueMs() - now()));
    };

    let lastSecond = { attempts: 0, ok: 0, errors: 0 };
    const progressTimer = timers.setInterval(() => {
      const totals = { attempts: recorder.attempts, ok: recorder.ok, errors: recorder.errorCount() };
      options.onProgress?.({
        elapsedMs: now() - startMs,
        ...totals,
        inFlight,
        lastSecond: {
          attempts: totals.attempts - lastSecond.attempts,
          ok: totals.ok - lastSecond.ok,
          errors: totals.errors - lastSecond.errors,
        },
      });
      lastSecond = totals;
    }, 1000);
    const deadlineTimer = timers.setTimeout(stop, Number.isFinite(deadlineMs) ? Math.max(0, deadlineMs - now()) : 2 ** 31 - 1);

    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (load.kind === 'closed') {
      for (let i = 0; i < load.connections; i++) if (!launch(null)) break;
    } else {
      tick();
    }
    if (inFlight === 0) stop();
  });
}
