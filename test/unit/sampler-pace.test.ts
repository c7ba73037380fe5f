import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextSampleDelayMs } from '../../src/sampler/pace.js';

test('cheap samples keep the asked interval; expensive ones stretch it to stay under 5 % of a core', () => {
  assert.equal(nextSampleDelayMs(1000, 5), 1000);
  assert.equal(nextSampleDelayMs(1000, 50), 1000, '50 ms every 1,050 ms is under 5 %');
  assert.equal(nextSampleDelayMs(1000, 250), 4750, '250 ms of work, then 4,750 ms of rest: 5 %');
  assert.equal(nextSampleDelayMs(100, 30), 570);
  const cost = 400;
  const delay = nextSampleDelayMs(500, cost);
  assert.ok(cost / (cost + delay) <= 0.05 + 1e-9);
});
