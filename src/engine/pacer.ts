/**
 * The open-loop schedule: request i is due at `startMs + i * 1000 / ratePerSec`, whatever
 * happened to earlier requests. Computing each slot from its index (not by adding intervals)
 * keeps the schedule from drifting. Pure: the caller passes the clock reading.
 */
export class Pacer {
  private sent = 0;
  constructor(
    private readonly startMs: number,
    private readonly ratePerSec: number,
  ) {}

  /** Intended start of request `index`. */
  slotMs(index: number): number {
    return this.startMs + (index * 1000) / this.ratePerSec;
  }

  /**
   * How many requests a load that ran from `startMs` to `endMs` was scheduled to send: those due
   * before its end (a 1 s load at 1,000/s sends requests 0..999; the one due at the very end
   * belongs to the next second, which the load does not have).
   */
  static dueBefore(startMs: number, endMs: number, ratePerSec: number): number {
    // The epsilon keeps a float like 1000.0000000001 from counting a request due exactly at the end.
    return endMs <= startMs ? 0 : Math.ceil(((endMs - startMs) * ratePerSec) / 1000 - 1e-9);
  }

  /** How many requests a schedule from `startMs` at `ratePerSec` has due by `nowMs` (request 0 is due at the start). */
  static dueBy(startMs: number, nowMs: number, ratePerSec: number): number {
    return nowMs < startMs ? 0 : Math.floor(((nowMs - startMs) * ratePerSec) / 1000) + 1;
  }

  /** How many requests are due by `nowMs` and not yet taken. */
  due(nowMs: number): number {
    return Math.max(0, Pacer.dueBy(this.startMs, nowMs, this.ratePerSec) - this.sent);
  }

  /** How many requests due before `endMs` are not yet taken (at the deadline: those its timer woke too late for). */
  dueBefore(endMs: number): number {
    return Math.max(0, Pacer.dueBefore(this.startMs, endMs, this.ratePerSec) - this.sent);
  }

  /** Takes the next request off the schedule; returns its intended start. */
  take(): number {
    return this.slotMs(this.sent++);
  }

  /** Requests taken so far. */
  get taken(): number {
    return this.sent;
  }

  /** When the next request is due. */
  nextDueMs(): number {
    return this.slotMs(this.sent);
  }
}
