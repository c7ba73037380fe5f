import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pacer } from '../../src/engine/pacer.js';

test('the first request is due at the start; then one per interval', () => {
  const pacer = new Pacer(1000, 100); // one every 10 ms
  assert.equal(pacer.due(1000), 1);
  assert.equal(pacer.take(), 1000);
  assert.equal(pacer.due(1005), 0);
  assert.equal(pacer.due(1010), 1);
  assert.equal(pacer.due(1055), 5);
  for (let i = 0; i < 5; i++) pacer.take();
  assert.equal(pacer.due(1055), 0);
  assert.equal(pacer.nextDueMs(), 1060);
});

test('intended times come from the index, so a late sender does not shift the schedule', () => {
  const pacer = new Pacer(0, 3); // 333.33 ms apart
  assert.equal(pacer.due(2000), 7);
  const times = Array.from({ length: 7 }, () => pacer.take());
  assert.deepEqual(
    times.map((t) => Math.round(t)),
    [0, 333, 667, 1000, 1333, 1667, 2000],
  );
});

test('no drift over a minute at 10,000/s: exactly rate x seconds are due', () => {
  const pacer = new Pacer(0, 10_000);
  let taken = 0;
  for (let now = 0; now <= 60_000; now += 7.3) {
    const n = pacer.due(now);
    for (let i = 0; i < n; i++) pacer.take();
    taken += n;
  }
  const last = Math.floor(60_000 / 7.3) * 7.3;
  assert.equal(taken, Math.floor(last * 10) + 1);
  assert.ok(Math.abs(pacer.slotMs(600_000) - 60_000) < 1e-6);
});
