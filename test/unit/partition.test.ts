import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionLoad } from '../../src/engine/partition.js';

test('sources are dealt round-robin; connections and requests split evenly', () => {
  const parts = partitionLoad({ sources: ['a', 'b', 'c', 'd', 'e'], load: { kind: 'closed', connections: 64 }, requests: 1001 }, 2);
  assert.deepEqual(
    parts.map((p) => p.sources),
    [
      ['a', 'c', 'e'],
      ['b', 'd'],
    ],
  );
  assert.deepEqual(
    parts.map((p) => p.load),
    [
      { kind: 'closed', connections: 32 },
      { kind: 'closed', connections: 32 },
    ],
  );
  assert.deepEqual(
    parts.map((p) => p.requests),
    [501, 500],
  );
});

test('never more workers than sources, connections or requests', () => {
  assert.equal(partitionLoad({ sources: ['a'], load: { kind: 'closed', connections: 64 }, requests: null }, 4).length, 1);
  assert.equal(partitionLoad({ sources: [], load: { kind: 'closed', connections: 3 }, requests: null }, 8).length, 3);
  assert.equal(partitionLoad({ sources: [], load: { kind: 'closed', connections: 64 }, requests: 2 }, 8).length, 2);
  assert.deepEqual(
    partitionLoad({ sources: [], load: { kind: 'closed', connections: 64 }, requests: null }, 4).map((p) => p.sources),
    [[], [], [], []],
  );
});

test('an open loop splits its rate and its in-flight cap', () => {
  const parts = partitionLoad({ sources: [], load: { kind: 'open', ratePerSec: 1000, maxInFlight: 5 }, requests: null }, 2);
  assert.deepEqual(
    parts.map((p) => p.load),
    [
      { kind: 'open', ratePerSec: 500, maxInFlight: 3 },
      { kind: 'open', ratePerSec: 500, maxInFlight: 2 },
    ],
  );
});
