import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeHistogram } from '../../src/result/histogram.js';
import { mergeSnapshots, snapshotOf } from '../../src/engine/load-snapshot.js';
import { Recorder } from '../../src/engine/recorder.js';
import { distributionOf } from '../helpers/histograms.js';

/** Feeds the same outcomes into one recorder, or split over two by source. */
function feed(recorders: Recorder[], pick: (i: number) => number): void {
  for (let i = 0; i < 1000; i++) {
    const r = recorders[pick(i)]!;
    const source = i % 2;
    const at = i * 3; // 3 s of outcomes
    r.attempt(source, at);
    if (i % 10 === 0)
      r.failure(
        source,
        i % 20 === 0 ? 'EADDRINUSE' : 'HTTP_5XX',
        at + 1,
        { intendedMs: at, startMs: at, connectedMs: at + 0.2, firstByteMs: null, doneMs: null },
        i % 20 === 0 ? undefined : 502,
      );
    else
      r.success(source, {
        intendedMs: at,
        startMs: at,
        connectedMs: at + 0.1,
        firstByteMs: at + 0.5 + (i % 7),
        doneMs: at + 0.6 + (i % 7),
      });
  }
}

test('merging the parts gives exactly what one recorder would have recorded', () => {
  const one = new Recorder(0, ['a', 'b']);
  feed([one], () => 0);
  const partA = new Recorder(0, ['a', 'b']);
  const partB = new Recorder(0, ['a', 'b']);
  feed([partA, partB], (i) => i % 2);
  const outcome = { startMs: 0, endMs: 3000, interrupted: false, unsent: 0 };
  const whole = snapshotOf(one, outcome);
  const merged = mergeSnapshots([snapshotOf(partA, outcome), snapshotOf(partB, outcome)]);
  assert.equal(merged.attempts, whole.attempts);
  assert.equal(merged.ok, whole.ok);
  assert.deepEqual(merged.errors, whole.errors);
  assert.deepEqual(merged.statuses, { '502': 50 });
  assert.deepEqual(merged.seconds, whole.seconds);
  assert.deepEqual(merged.sources, whole.sources);
  for (const name of ['connectUs', 'ttfbUs', 'totalUs', 'totalCorrectedUs'] as const) {
    assert.deepEqual(merged.histograms[name].summary, whole.histograms[name].summary, name);
    const a = decodeHistogram(merged.histograms[name].hdr);
    const b = decodeHistogram(whole.histograms[name].hdr);
    for (const p of [1, 25, 50, 75, 99, 99.9, 100]) assert.equal(a.getValueAtPercentile(p), b.getValueAtPercentile(p), `${name} p${p}`);
  }
  assert.equal(merged.firstExhaustion?.code, 'EADDRINUSE');
});

test("per-second histograms: each value in its second's, a late outcome reopening a sealed second, the seconds adding up to the run's", () => {
  const r = new Recorder(0, ['a']);
  const done = (at: number, ms: number) => ({
    intendedMs: at,
    startMs: at,
    connectedMs: at + 0.1,
    firstByteMs: at + ms / 2,
    doneMs: at + ms,
  });
  // In order over five seconds, then one that ends in second 1 reported after second 4 sealed it.
  for (let i = 0; i < 50; i++) r.success(0, done(i * 100, 1 + (i % 5)));
  r.success(0, done(1500, 7));
  const snap = snapshotOf(r, { startMs: 0, endMs: 5000, interrupted: false, unsent: 0 });
  assert.equal(snap.seconds.length, 5);
  for (const s of snap.seconds) {
    assert.equal(decodeHistogram(s.latency!.totalUs!).totalCount, s.ok, `second ${s.second}: one total per success`);
    assert.equal(decodeHistogram(s.latency!.connectUs!).totalCount, s.ok);
  }
  assert.equal(
    decodeHistogram(snap.seconds[1]!.latency!.totalUs!).maxValue,
    decodeHistogram(snap.histograms.totalUs.hdr).maxValue,
    'the late 7 ms landed in second 1',
  );
  for (const tag of ['connectUs', 'ttfbUs', 'totalUs'] as const) {
    const sum = decodeHistogram(snap.seconds[0]!.latency![tag]!);
    for (const s of snap.seconds.slice(1)) sum.add(decodeHistogram(s.latency![tag]!));
    assert.equal(distributionOf(sum), distributionOf(decodeHistogram(snap.histograms[tag].hdr)), tag);
  }
});
