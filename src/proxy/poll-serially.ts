/** The timers a poller waits with; Node's by default, a test's own in tests. */
export interface PollTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const NODE_TIMERS: PollTimers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };

/**
 * Calls `read` now and then `everyMs` after each call has ended, never two at once: a read that
 * takes longer than the interval (HAProxy's stats socket under load answers within its 2 s
 * timeout, not within 1 s) delays the next instead of overlapping it, so an older answer can
 * never land after a newer one. `stop()` ends the polling and resolves once the read in flight,
 * if any, has ended: a last read after it sees nothing newer come in behind it.
 */
export function pollSerially(read: () => Promise<void>, everyMs: number, timers: PollTimers = NODE_TIMERS): { stop(): Promise<void> } {
  let stopped = false;
  let timer: unknown = null;
  let wake: (() => void) | null = null;
  const sleep = (): Promise<void> =>
    new Promise((resolve) => {
      wake = resolve;
      timer = timers.setTimeout(resolve, everyMs);
    });
  const loop = (async () => {
    while (!stopped) {
      await read().catch(() => {});
      if (stopped) break;
      await sleep();
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      if (timer !== null) timers.clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
