import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextSampleDelayMs } from '../../src/sampler/pace.js';

test('cheap samples keep the asked interval; expensive ones stretch it to stay under 10 % of a core', () => {
  assert.equal(nextSampleDelayMs(1000, 5), 1000);
  assert.equal(nextSampleDelayMs(1000, 100), 1000, '100 ms every 1,100 ms is under 10 %');
  assert.equal(nextSampleDelayMs(1000, 250), 2250, '250 ms of work, then 2,250 ms of rest: 10 %');
  assert.equal(nextSampleDelayMs(100, 30), 270);
  const cost = 400;
  const delay = nextSampleDelayMs(500, cost);
  assert.ok(cost / (cost + delay) <= 0.1 + 1e-9);
});
