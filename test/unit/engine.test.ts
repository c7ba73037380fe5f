import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLoad } from '../../src/engine/engine.js';
import { createSourcePicker, type SourceChoice } from '../../src/engine/source-picker.js';
import type { Outcome, Transport } from '../../src/engine/transport.js';

/** A transport that ends each attempt after `delayMs` (0: on the next tick), failing every `failEvery`th. */
function fakeTransport(delayMs: number, failEvery = 0): Transport & { maxInFlight: number; sent: SourceChoice[] } {
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
        const t = performance.now();
        done({ ok: false, code: 'ABORTED', atMs: t, timings: { intendedMs: t, startMs: t, connectedMs: null, firstByteMs: null, doneMs: null } });
      }
    },
    send(source: SourceChoice, intendedMs: number, done: (o: Outcome) => void) {
      self.sent.push(source);
      inFlight++;
      self.maxInFlight = Math.max(self.maxInFlight, inFlight);
      const index = ++n;
      const start = performance.now();
      const finish = () => {
        inFlight--;
        const t = { intendedMs, startMs: start, connectedMs: start, firstByteMs: null, doneMs: performance.now() };
        if (failEvery > 0 && index % failEvery === 0) done({ ok: false, code: 'EADDRINUSE', atMs: t.doneMs, timings: t });
        else done({ ok: true, timings: t });
      };
      // An immediate failure reports on nextTick, as Node does for a failed bind().
      if (delayMs === Infinity) stalled.add(done);
      else if (delayMs === 0) process.nextTick(finish);
      else setTimeout(finish, delayMs);
    },
    close: async () => {},
  };
  return self;
}

test('closed loop: exactly --requests attempts, never more than --connections in flight', async () => {
  const transport = fakeTransport(1, 4);
  const out = await runLoad({ transport, picker: createSourcePicker(['a', 'b', 'c'], null), sourceLabels: ['a', 'b', 'c'], load: { kind: 'closed', connections: 5 }, durationMs: null, requests: 300 });
  assert.equal(out.recorder.attempts, 300);
  assert.equal(out.recorder.ok, 225);
  assert.equal(out.recorder.errors.EADDRINUSE, 75);
  assert.equal(transport.maxInFlight, 5);
  assert.deepEqual(out.recorder.sources.map((s) => s.attempts), [100, 100, 100]);
  const seconds = out.recorder.seconds;
  assert.equal(seconds.reduce((a, s) => a + s.attempts, 0), 300);
  assert.equal(seconds.reduce((a, s) => a + (s.errors.EADDRINUSE ?? 0), 0), 75);
  assert.equal(out.interrupted, false);
});

test('closed loop whose attempts fail at once still ends on its duration', async () => {
  const transport = fakeTransport(0, 1);
  const out = await runLoad({ transport, picker: createSourcePicker([], null), sourceLabels: ['kernel'], load: { kind: 'closed', connections: 8 }, durationMs: 300, requests: null });
  assert.ok(out.recorder.attempts > 100, `${out.recorder.attempts} attempts`);
  assert.equal(out.recorder.ok, 0);
  assert.equal(out.recorder.errors.EADDRINUSE, out.recorder.attempts);
});

test('open loop sends on schedule and measures the corrected latency from the schedule', async () => {
  const transport = fakeTransport(30);
  const out = await runLoad({ transport, picker: createSourcePicker([], null), sourceLabels: ['kernel'], load: { kind: 'open', ratePerSec: 200, maxInFlight: 2 }, durationMs: 10_000, requests: 40 });
  assert.equal(out.recorder.attempts, 40);
  assert.equal(transport.maxInFlight, 2);
  // Two in flight for 30 ms each serve ~67/s against a schedule of 200/s: the backlog shows
  // in the corrected histogram only.
  assert.ok(out.recorder.totalCorrectedUs.getValueAtPercentile(99) > 2 * out.recorder.totalUs.getValueAtPercentile(99));
});

test('an abort stops sending and marks the outcome interrupted', async () => {
  const controller = new AbortController();
  const transport = fakeTransport(2);
  setTimeout(() => controller.abort(), 100);
  const out = await runLoad({ transport, picker: createSourcePicker([], null), sourceLabels: ['kernel'], load: { kind: 'closed', connections: 2 }, durationMs: 60_000, requests: null, signal: controller.signal });
  assert.equal(out.interrupted, true);
  assert.ok(out.recorder.attempts > 0);
  assert.equal(out.recorder.attempts, out.recorder.ok);
});

test('after an abort, attempts still in flight get the grace period, then end as ABORTED', async () => {
  const controller = new AbortController();
  const transport = fakeTransport(Infinity);
  setTimeout(() => controller.abort(), 50);
  const started = performance.now();
  const out = await runLoad({ transport, picker: createSourcePicker([], null), sourceLabels: ['kernel'], load: { kind: 'closed', connections: 3 }, durationMs: 60_000, requests: null, signal: controller.signal, graceMs: 100 });
  assert.equal(out.interrupted, true);
  assert.equal(out.recorder.attempts, 3);
  assert.deepEqual(out.recorder.errors, { ABORTED: 3 });
  assert.ok(performance.now() - started < 30_000, 'ended by the grace, not the duration');
});
