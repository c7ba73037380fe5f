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
