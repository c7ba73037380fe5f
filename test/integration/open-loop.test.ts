import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeHistogram } from '../../src/result/histogram.js';
import { ENGINES, engineReady } from '../helpers/engines.js';
import { run } from '../../src/runner/run.js';

for (const engine of ENGINES) {
  test(`[${engine}] open loop against a target slower than the interval: corrected p99 above uncorrected p99`, async (t) => {
    if (!engineReady(t, engine)) return;
    // One connection at a time, 20 ms each, against a schedule of one every 5 ms.
    const result = await run({ engine, rate: '200', maxInFlight: '1', requests: '40', delay: '20ms' });
    assert.equal(result.engine, engine, 'the engine asked for ran');
    assert.equal(result.totals.ok, 40);
    const corrected = result.latency.totalCorrectedUs;
    assert.ok(corrected, 'an open loop keeps the corrected histogram');
    assert.ok(
      corrected.summary.p99Us > result.latency.totalUs.summary.p99Us,
      `${corrected.summary.p99Us} vs ${result.latency.totalUs.summary.p99Us}`,
    );
    assert.ok(result.latency.totalUs.summary.p50Us >= 20_000, 'the delay shows in the uncorrected latency');
    assert.equal(decodeHistogram(corrected.hdr).totalCount, 40);
  });
}

test('a closed loop has no corrected histogram', async () => {
  const result = await run({ requests: '10', connections: '2' });
  assert.equal(result.latency.totalCorrectedUs, null);
});

// Native: 10,000/s, so the last slot is due 0.1 ms before the end and its wake-up nearly always
// comes after it. JavaScript: 1,500/s, which it keeps up with on a busy machine (the fake clock
// of test/unit/engine.test.ts pins its case exactly).
const SCHEDULES = { native: { rate: 10_000, durationMs: 1000 }, js: { rate: 1500, durationMs: 2000 } } as const;

for (const engine of ENGINES) {
  for (const workers of ['1', '2']) {
    test(`[${engine}] ${workers} worker(s): an open loop for a duration sends exactly rate x duration, the slots due just before the end included`, async (t) => {
      if (!engineReady(t, engine)) return;
      // Timers and epoll count whole milliseconds, so the wake-up for the last slots can come after
      // the deadline; they are still sent (they were 1 or 2 short, reported as never sent).
      const { rate, durationMs } = SCHEDULES[engine];
      const result = await run({ engine, workers, rate: String(rate), duration: `${durationMs}ms`, close: 'client', sampleInterval: '0s' });
      assert.equal(result.totals.attempts, (rate * durationMs) / 1000);
      assert.equal(result.totals.unsent, 0);
      assert.ok(!result.warnings.some((w) => w.includes('never sent')), result.warnings.join('\n'));
    });
  }
}
