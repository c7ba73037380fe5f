import type { EngineTimers } from '../../src/engine/js/engine.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  everyMs: number | null;
}

/**
 * A clock that moves only when the test runs it: timers fire in time order, time jumps to the
 * next one when nothing else is due, so a 60 s run takes as long as its callbacks do.
 */
export class FakeClock implements EngineTimers {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();
  private immediates: (() => void)[] = [];
  readonly now = (): number => this.t;

  setTimeout = (fn: () => void, ms: number): number => this.add(fn, ms, null);
  setInterval = (fn: () => void, ms: number): number => this.add(fn, ms, Math.max(1, ms));
  clearTimeout = (handle: unknown): void => void this.timers.delete(handle as number);
  clearInterval = (handle: unknown): void => void this.timers.delete(handle as number);
  setImmediate = (fn: () => void): number => {
    this.immediates.push(fn);
    return -1;
  };

  private add(fn: () => void, ms: number, everyMs: number | null): number {
    const id = ++this.seq;
    const at = this.t + Math.max(0, ms);
    // libuv's clock counts whole milliseconds: a timer due at 9.667 ms fires at 10.
    this.timers.set(id, { at: this.wholeMs ? Math.ceil(at) : at, seq: id, fn, everyMs });
    return id;
  }

  /**
   * @param msPerTurn how far time moves on each turn of the loop that ran something: 0 (the
   *   default) freezes time while work is pending; 1 models a loop whose every turn costs a
   *   millisecond, so timers come due even while immediates keep coming.
   */
  constructor(
    private readonly msPerTurn = 0,
    /** Timers fire on a whole-millisecond clock, as Node's do, so a slot due between two milliseconds wakes its timer late. */
    private readonly wholeMs = false,
  ) {}

  /** Moves time on by `ms` now, as a callback that takes that long would. */
  spend(ms: number): void {
    this.t += ms;
  }

  /** The earliest timer, or null. */
  private next(): [number, Timer] | null {
    let next: [number, Timer] | null = null;
    for (const entry of this.timers)
      if (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].seq < next[1].seq)) next = entry;
    return next;
  }

  private fire([id, timer]: [number, Timer]): void {
    if (timer.everyMs === null) this.timers.delete(id);
    else timer.at += timer.everyMs;
    timer.fn();
  }

  /**
   * One turn of the loop, as Node's: timers due now, then the immediates queued before this
   * turn. When nothing was due, time jumps to the next timer. False when nothing is left.
   */
  private step(): boolean {
    let ran = false;
    for (let due = this.next(); due && due[1].at <= this.t; due = this.next()) {
      this.fire(due);
      ran = true;
    }
    if (this.immediates.length > 0) {
      const batch = this.immediates;
      this.immediates = [];
      for (const fn of batch) fn();
      ran = true;
    }
    if (ran) {
      this.t += this.msPerTurn;
      return true;
    }
    const next = this.next();
    if (!next) return false;
    this.t = next[1].at;
    this.fire(next);
    return true;
  }

  /**
   * Drives the clock until `promise` settles, letting the real event loop drain microtasks and
   * process.nextTick between steps; fails after `maxSteps` so a bug cannot spin forever.
   */
  async run<T>(promise: Promise<T>, maxSteps = 1_000_000): Promise<T> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let i = 0; i < maxSteps; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return promise;
      if (!this.step()) {
        await new Promise((resolve) => setImmediate(resolve));
        if (settled) return promise;
        throw new Error('the fake clock has nothing left to run and the promise has not settled');
      }
    }
    throw new Error(`the fake clock ran ${maxSteps} steps and the promise has not settled`);
  }
}
