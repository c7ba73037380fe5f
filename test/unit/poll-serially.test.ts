// HAProxy's counters polled one read at a time: a read slower than the interval delays the next.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollSerially, type PollTimers } from '../../src/proxy/poll-serially.js';

/** Timers the test fires by hand. */
function manualTimers(): PollTimers & { fire(): void; pending(): number } {
  const due = new Map<number, () => void>();
  let next = 0;
  return {
    setTimeout: (fn) => {
      due.set(++next, fn);
      return next;
    },
    clearTimeout: (h) => void due.delete(h as number),
    fire: () => {
      const fns = [...due.values()];
      due.clear();
      for (const fn of fns) fn();
    },
    pending: () => due.size,
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('never two reads at once: the next waits for the slow one to end, then the interval', async () => {
  const timers = manualTimers();
  let inFlight = 0;
  let most = 0;
  let calls = 0;
  const answers: (() => void)[] = [];
  const read = (): Promise<void> => {
    calls++;
    inFlight++;
    most = Math.max(most, inFlight);
    return new Promise<void>((resolve) =>
      answers.push(() => {
        inFlight--;
        resolve();
      }),
    );
  };
  const poller = pollSerially(read, 1000, timers);
  await tick();
  assert.equal(calls, 1, 'the first read at once');
  timers.fire(); // an interval passes while the read is slow: nothing is scheduled yet
  await tick();
  assert.equal(calls, 1, 'no second read while the first is in flight');
  assert.equal(timers.pending(), 0);
  answers.shift()!();
  await tick();
  assert.equal(timers.pending(), 1, 'the interval starts when the read has ended');
  timers.fire();
  await tick();
  assert.equal(calls, 2);
  // stop() waits for the read in flight.
  let stopped = false;
  const stopping = poller.stop().then(() => (stopped = true));
  await tick();
  assert.equal(stopped, false, 'stop waits for the read in flight');
  answers.shift()!();
  await stopping;
  assert.equal(calls, 2, 'no read after stop');
  assert.equal(most, 1);
});

test('a failed read does not end the polling', async () => {
  const timers = manualTimers();
  let calls = 0;
  const poller = pollSerially(
    () => {
      calls++;
      return Promise.reject(new Error('stats socket gone'));
    },
    1000,
    timers,
  );
  await tick();
  timers.fire();
  await tick();
  assert.equal(calls, 2);
  await poller.stop();
});
