import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLoad, type EngineOptions } from '../../src/engine/js/engine.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { createSourcePicker, type SourceChoice } from '../../src/engine/js/source-picker.js';
import type { Outcome, Transport } from '../../src/engine/js/transport.js';
import type { Progress } from '../../src/result/progress.js';

/**
 * A transport on the fake clock that ends each attempt after `delayMs` (0: on the next tick, as
 * Node reports a failed bind(); Infinity: never), failing every `failEvery`th.
 */
function fakeTransport(clock: FakeClock, delayMs: number, failEvery = 0): Transport & { maxInFlight: number; sent: SourceChoice[] } {
  let inFlight = 0;
  let n = 0;
  const stalled = new Set<(o: Outcome) => void>();
  const self = {
    maxInFlight: 0,
    sent: [] as SourceChoice[],
    abortInFlight() {
      for (const done of [...stalled]) {
        stalled.delete(done);
        inFlight--;
        const t = clock.now();
        done({
          ok: false,
          code: 'ABORTED',
          atMs: t,
          timings: { intendedMs: t, startMs: t, connectedMs: null, firstByteMs: null, doneMs: null },
        });
      }
    },
    send(source: SourceChoice, intendedMs: number, done: (o: Outcome) => void) {
      self.sent.push(source);
      inFlight++;
      self.maxInFlight = Math.max(self.maxInFlight, inFlight);
      const index = ++n;
      const start = clock.now();
      const finish = () => {
        inFlight--;
        const t = { intendedMs, startMs: start, connectedMs: start, firstByteMs: null, doneMs: clock.now() };
        if (failEvery > 0 && index % failEvery === 0) done({ ok: false, code: 'EADDRINUSE', atMs: t.doneMs, timings: t });
        else done({ ok: true, timings: t });
      };
      if (delayMs === Infinity) stalled.add(done);
      else if (delayMs === 0) process.nextTick(finish);
      else clock.setTimeout(finish, delayMs);
    },
    close: async () => {},
  };
  return self;
}

function load(clock: FakeClock, options: Omit<EngineOptions, 'now' | 'timers' | 'picker' | 'sourceLabels'> & { sources?: string[] }) {
  const sources = options.sources ?? [];
  return clock.run(
    runLoad({
      ...options,
      picker: createSourcePicker(sources, null),
      sourceLabels: sources.length ? sources : ['kernel'],
      now: clock.now,
      timers: clock,
    }),
  );
}

test('closed loop: exactly --requests attempts, never more than --connections in flight', async () => {
  const clock = new FakeClock();
  const transport = fakeTransport(clock, 1, 4);
  const out = await load(clock, {
    transport,
    sources: ['a', 'b', 'c'],
    load: { kind: 'closed', connections: 5 },
    durationMs: null,
    requests: 300,
  });
  assert.equal(out.recorder.attempts, 300);
  assert.equal(out.recorder.ok, 225);
  assert.equal(out.recorder.errors.EADDRINUSE, 75);
  assert.equal(transport.maxInFlight, 5);
  assert.deepEqual(
    out.recorder.sources.map((s) => s.attempts),
    [100, 100, 100],
  );
  const seconds = out.recorder.seconds;
  assert.equal(
    seconds.reduce((a, s) => a + s.attempts, 0),
    300,
  );
  assert.equal(
    seconds.reduce((a, s) => a + (s.errors.EADDRINUSE ?? 0), 0),
    75,
  );
  assert.equal(out.interrupted, false);
  // 5 in flight, 1 ms each: 300 attempts take 60 ms of the fake clock.
  assert.equal(out.endMs - out.startMs, 60);
});

test('closed loop whose attempts fail at once still ends on its duration, its timers not starved', async () => {
  // Each turn of the loop costs 1 ms: launches from setImmediate must leave the deadline its turn.
  const clock = new FakeClock(1);
  const transport = fakeTransport(clock, 0, 1);
  const out = await load(clock, { transport, load: { kind: 'closed', connections: 8 }, durationMs: 300, requests: null });
  assert.ok(out.recorder.attempts > 8 * 250, `${out.recorder.attempts} attempts`);
  assert.equal(out.recorder.ok, 0);
  assert.equal(out.recorder.errors.EADDRINUSE, out.recorder.attempts);
  assert.equal(out.endMs - out.startMs, 300);
});

test('open loop sends on schedule and measures the corrected latency from the schedule', async () => {
  const clock = new FakeClock();
  const transport = fakeTransport(clock, 30);
  const out = await load(clock, { transport, load: { kind: 'open', ratePerSec: 200, maxInFlight: 2 }, durationMs: 10_000, requests: 40 });
  assert.equal(out.recorder.attempts, 40);
  assert.equal(transport.maxInFlight, 2);
  // Two in flight for 30 ms each serve ~67/s against a schedule of 200/s: the backlog shows
  // in the corrected histogram only.
  // Every attempt took exactly 30 ms of the fake clock (to the histogram's 3 significant digits).
  assert.ok(Math.abs(out.recorder.totalUs.getValueAtPercentile(99) - 30_000) <= 30, String(out.recorder.totalUs.getValueAtPercentile(99)));
  assert.ok(Math.abs(out.recorder.totalUs.getValueAtPercentile(1) - 30_000) <= 30);
  assert.ok(out.recorder.totalCorrectedUs.getValueAtPercentile(99) > 2 * out.recorder.totalUs.getValueAtPercentile(99));
});

test('open loop with room to spare: every attempt starts at its slot, so corrected equals uncorrected', async () => {
  const clock = new FakeClock();
  const transport = fakeTransport(clock, 3);
  const out = await load(clock, { transport, load: { kind: 'open', ratePerSec: 100, maxInFlight: 10 }, durationMs: 1_000, requests: null });
  assert.equal(out.recorder.attempts, 100);
  assert.equal(out.recorder.totalCorrectedUs.getValueAtPercentile(100), out.recorder.totalUs.getValueAtPercentile(100));
});

test("progress comes once a second with the last second's counts", async () => {
  const clock = new FakeClock();
  const transport = fakeTransport(clock, 10);
  const seen: Progress[] = [];
  await clock.run(
    runLoad({
      transport,
      picker: createSourcePicker([], null),
      sourceLabels: ['kernel'],
      load: { kind: 'closed', connections: 2 },
      durationMs: 3_500,
      requests: null,
      now: clock.now,
      timers: clock,
      onProgress: (p) => seen.push(p),
    }),
  );
  assert.deepEqual(
    seen.map((p) => p.elapsedMs),
    [1000, 2000, 3000],
  );
  assert.deepEqual(
    seen.map((p) => p.lastSecond?.ok),
    [198, 200, 200],
  );
});

test('an abort stops sending and marks the outcome interrupted', async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  const transport = fakeTransport(clock, 2);
  clock.setTimeout(() => controller.abort(), 100);
  const out = await load(clock, {
    transport,
    load: { kind: 'closed', connections: 2 },
    durationMs: 60_000,
    requests: null,
    signal: controller.signal,
  });
  assert.equal(out.interrupted, true);
  assert.equal(out.recorder.attempts, 100);
  assert.equal(out.recorder.attempts, out.recorder.ok);
  assert.equal(out.endMs, 100);
});

test('after an abort, attempts still in flight get the grace period, then end as ABORTED', async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  const transport = fakeTransport(clock, Infinity);
  clock.setTimeout(() => controller.abort(), 50);
  const out = await load(clock, {
    transport,
    load: { kind: 'closed', connections: 3 },
    durationMs: 60_000,
    requests: null,
    signal: controller.signal,
    graceMs: 100,
  });
  assert.equal(out.interrupted, true);
  assert.equal(out.recorder.attempts, 3);
  assert.deepEqual(out.recorder.errors, { ABORTED: 3 });
  assert.equal(out.endMs, 150, 'ended by the grace, not the duration');
});

test('open loop on a whole-millisecond clock: the slots due just before the deadline are still sent, none after it', async () => {
  // 3,000/s for 10 ms: slots at 0, 0.333, ..., 9.667 ms. The last one's timer wakes at 10 ms,
  // with the deadline's: it is sent, the one due at 10 ms is not.
  const clock = new FakeClock(0, true);
  const transport = fakeTransport(clock, 1);
  const out = await load(clock, { transport, load: { kind: 'open', ratePerSec: 3000, maxInFlight: 100 }, durationMs: 10, requests: null });
  assert.equal(out.recorder.attempts, 30);
  assert.equal(out.unsent, 0);
});

test('open loop that falls behind: a batch of due slots that runs past the deadline is still sent whole, exactly rate x duration', async () => {
  // 4,000/s for 10 ms is 40 slots; each send takes 0.6 ms, so the loop is always behind and its
  // last batches launch after the deadline. Every slot due before it is sent; none after.
  const clock = new FakeClock(0, true);
  const inner = fakeTransport(clock, 1);
  const transport = { ...inner, send: (...args: Parameters<typeof inner.send>) => (clock.spend(0.6), inner.send(...args)) };
  const out = await load(clock, { transport, load: { kind: 'open', ratePerSec: 4000, maxInFlight: 1000 }, durationMs: 10, requests: null });
  assert.equal(out.recorder.attempts, 40);
  assert.equal(out.unsent, 0);
  assert.ok(clock.now() > 20, 'the sends ran well past the deadline');
});
