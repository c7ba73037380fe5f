import assert from 'node:assert/strict';
import { test } from 'node:test';
import { destinationTurns } from '../../src/engine/js/destination-turns.js';

test('each source goes round the destinations on its own turn: 2 sources x 2 destinations, round-robin sources, all 4 pairs equally', () => {
  const turnOf = destinationTurns(2);
  const pairs = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    const source = i % 2;
    const key = `${source}->${turnOf(source)}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
  }
  assert.deepEqual([...pairs.entries()].sort(), [
    ['0->0', 10],
    ['0->1', 10],
    ['1->0', 10],
    ['1->1', 10],
  ]);
  const three = destinationTurns(3);
  assert.deepEqual(
    [0, 0, 0, 0].map(() => three(5)),
    [0, 1, 2, 0],
    'a source seen first starts at the first destination',
  );
});
