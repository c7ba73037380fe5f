import type { LoadModel } from '../../plan/plan.js';
import { Pacer } from '../pacer.js';
import { Recorder } from '../recorder.js';
import type { SourcePicker } from './source-picker.js';
import type { Outcome, Transport } from './transport.js';
import type { Progress } from '../../result/progress.js';
import { GRACE_MS } from '../load-engine.js';
import { ProgressMeter, unsentOf } from '../progress-meter.js';

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
  /** Labels the counts are kept by: every source of the whole load (`sourceLabelsOf`). */
  readonly sourceLabels: readonly string[];
  /** The label index of each of the picker's sources; absent: the picker's `sourceIndex` is the label index. */
  readonly sourceIndices?: readonly number[];
  readonly load: LoadModel;
  /** null: no bound. */
  readonly durationMs: number | null;
  /** null: no bound. */
  readonly requests: number | null;
  /** Clock in milliseconds (performance.now by default). */
  readonly now?: () => number;
  /** Timers on the same clock as `now` (Node's by default). */
  readonly timers?: EngineTimers;
  /** When the load started on `now`'s clock, if earlier than this call (worker threads share one start). */
  readonly startMs?: number;
  /** Stop sending; in-flight attempts get `graceMs` to finish, then end as ABORTED. */
  readonly signal?: AbortSignal;
  /** Grace for in-flight attempts after an abort. Default GRACE_MS. */
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
  return new Promise<LoadOutcome>((resolve) => new LoadRun(options, resolve).start());
}

/** One load from start to finish: what is in flight, the timers, and a short handler per event. */
class LoadRun {
  private readonly now: () => number;
  private readonly timers: EngineTimers;
  private readonly startMs: number;
  private readonly recorder: Recorder;
  private readonly deadlineMs: number;
  private readonly maxAttempts: number;
  /** Open loop only: the schedule of intended starts. */
  private readonly pacer: Pacer | null;
  private inFlight = 0;
  private stopping = false;
  private interrupted = false;
  /** Closed loop: replacements queued for the next macrotask. */
  private waitingLaunches = 0;
  private launchScheduled = false;
  private tickTimer: unknown = null;
  private graceTimer: unknown = null;
  private progressTimer: unknown = null;
  private deadlineTimer: unknown = null;
  private readonly progress: ProgressMeter;

  constructor(
    private readonly options: EngineOptions,
    private readonly resolve: (outcome: LoadOutcome) => void,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.timers = options.timers ?? NODE_TIMERS;
    this.startMs = options.startMs ?? this.now();
    this.recorder = new Recorder(this.startMs, options.sourceLabels);
    this.deadlineMs = options.durationMs === null ? Infinity : this.startMs + options.durationMs;
    this.maxAttempts = options.requests ?? Infinity;
    this.pacer = options.load.kind === 'open' ? new Pacer(this.startMs, options.load.ratePerSec) : null;
    this.progress = new ProgressMeter(this.startMs);
  }

  start(): void {
    const { timers, options } = this;
    this.progressTimer = timers.setInterval(this.reportProgress, 1000);
    const untilDeadline = Number.isFinite(this.deadlineMs) ? Math.max(0, this.deadlineMs - this.now()) : 2 ** 31 - 1;
    // An open loop's deadline goes through tick(), which first sends what fell due before it.
    this.deadlineTimer = timers.setTimeout(options.load.kind === 'open' ? this.tick : this.stop, untilDeadline);
    if (options.signal?.aborted) return this.onAbort();
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (options.load.kind === 'closed') {
      for (let i = 0; i < options.load.connections; i++) if (!this.launch(null)) break;
    } else {
      this.tick();
    }
    if (this.inFlight === 0) this.stop();
  }

  /**
   * Starts one attempt now; false (and the run stops) once the run is over. An open loop's slot
   * belongs to the load when it fell due before the deadline, even if this turn of the loop came
   * after it (timers count whole milliseconds, and a batch of due slots takes time to launch).
   */
  private launch(intendedMs: number | null): boolean {
    const t = this.now();
    if (this.stopping || (intendedMs ?? t) >= this.deadlineMs || this.recorder.attempts >= this.maxAttempts) {
      this.stop();
      return false;
    }
    const choice = this.options.picker.next();
    const label = this.options.sourceIndices?.[choice.sourceIndex] ?? choice.sourceIndex;
    this.recorder.attempt(label, t);
    this.inFlight++;
    this.options.transport.send(choice, intendedMs ?? t, (outcome) => this.onOutcome(label, outcome));
    return true;
  }

  private onOutcome(sourceIndex: number, outcome: Outcome): void {
    this.inFlight--;
    if (outcome.ok) this.recorder.success(sourceIndex, outcome.timings);
    else this.recorder.failure(sourceIndex, outcome.code, outcome.atMs, outcome.timings, outcome.status);
    if (this.stopping) this.finishIfIdle();
    else if (this.options.load.kind === 'closed') this.scheduleLaunch();
    else this.tick();
  }

  // Closed loop: a finished attempt queues its replacement, launched from a fresh macrotask.
  // An attempt that fails at once (EADDRNOTAVAIL) reports on process.nextTick; launching from
  // there would chain nextTicks forever and starve the timers that end the run.
  private scheduleLaunch(): void {
    this.waitingLaunches++;
    if (this.launchScheduled) return;
    this.launchScheduled = true;
    this.timers.setImmediate(this.launchWaiting);
  }

  private readonly launchWaiting = (): void => {
    this.launchScheduled = false;
    const n = this.waitingLaunches;
    this.waitingLaunches = 0;
    for (let i = 0; i < n; i++) if (!this.launch(null)) break;
  };

  /** Open loop: launches what is due, then sleeps until the next slot (or a completion frees one). */
  private readonly tick = (): void => {
    const { pacer, options } = this;
    if (!pacer || options.load.kind !== 'open' || this.stopping) return;
    const { maxInFlight } = options.load;
    const t = this.now();
    // Timers count whole milliseconds: the tick for a slot due just before the deadline can wake
    // after it. Those slots are still this load's (rate x duration requests); later ones are not.
    const pastDeadline = t >= this.deadlineMs;
    let due = pastDeadline ? pacer.dueBefore(this.deadlineMs) : pacer.due(t);
    while (due > 0 && this.inFlight < maxInFlight && pacer.taken < this.maxAttempts) {
      if (!this.launch(pacer.take())) return;
      due--;
    }
    if (pastDeadline || pacer.taken >= this.maxAttempts) return this.stop();
    if (this.tickTimer !== null) this.timers.clearTimeout(this.tickTimer);
    this.tickTimer = null;
    // With a full window, a completion calls tick(); otherwise wake at the next slot.
    if (this.inFlight < maxInFlight) this.tickTimer = this.timers.setTimeout(this.tick, Math.max(0, pacer.nextDueMs() - this.now()));
  };

  private readonly reportProgress = (): void => {
    const { recorder } = this;
    const totals = { attempts: recorder.attempts, ok: recorder.ok, errors: recorder.errorCount() };
    const live = { errorCodes: { ...recorder.errors }, latency: recorder.latencyBuckets() };
    const line = this.progress.next(this.now(), totals, this.inFlight, live);
    this.options.onProgress?.(line);
  };

  private readonly stop = (): void => {
    this.stopping = true;
    this.finishIfIdle();
  };

  private readonly onAbort = (): void => {
    this.interrupted = true;
    this.stop();
    if (this.inFlight > 0)
      this.graceTimer = this.timers.setTimeout(() => this.options.transport.abortInFlight(), this.options.graceMs ?? GRACE_MS);
  };

  /** Once stopping and nothing is in flight: clears every timer and resolves with the outcome. */
  private finishIfIdle(): void {
    if (!this.stopping || this.inFlight > 0) return;
    const { timers, recorder, options } = this;
    if (this.tickTimer !== null) timers.clearTimeout(this.tickTimer);
    if (this.graceTimer !== null) timers.clearTimeout(this.graceTimer);
    timers.clearTimeout(this.deadlineTimer);
    timers.clearInterval(this.progressTimer);
    this.options.signal?.removeEventListener('abort', this.onAbort);
    const endMs = this.now();
    const unsent = unsentOf({
      ratePerSec: options.load.kind === 'open' ? options.load.ratePerSec : null,
      startMs: this.startMs,
      endMs,
      durationMs: options.durationMs,
      requests: options.requests,
      attempts: recorder.attempts,
    });
    this.resolve({ recorder, startMs: this.startMs, endMs, interrupted: this.interrupted, unsent });
  }
}
