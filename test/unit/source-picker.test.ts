import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSourcePicker } from '../../src/engine/js/source-picker.js';

function take(picker: ReturnType<typeof createSourcePicker>, n: number): [number, string | null, number][] {
  return Array.from({ length: n }, () => {
    const c = picker.next();
    return [c.sourceIndex, c.address, c.port];
  });
}

test('kernel mode: no address, no port', () => {
  assert.deepEqual(take(createSourcePicker([], null), 2), [
    [0, null, 0],
    [0, null, 0],
  ]);
});

test('bind mode: round-robin over addresses, port 0', () => {
  assert.deepEqual(take(createSourcePicker(['a', 'b', 'c'], null), 5), [
    [0, 'a', 0],
    [1, 'b', 0],
    [2, 'c', 0],
    [0, 'a', 0],
    [1, 'b', 0],
  ]);
});

test('explicit mode: each address cycles its own ports, wrapping at the end', () => {
  assert.deepEqual(take(createSourcePicker(['a', 'b'], { low: 100, high: 102 }), 8), [
    [0, 'a', 100],
    [1, 'b', 100],
    [0, 'a', 101],
    [1, 'b', 101],
    [0, 'a', 102],
    [1, 'b', 102],
    [0, 'a', 100],
    [1, 'b', 100],
  ]);
});

test('explicit mode skips ports something listens on', () => {
  assert.deepEqual(
    take(createSourcePicker(['a'], { low: 100, high: 103 }, new Set([101, 103])), 4).map((c) => c[2]),
    [100, 102, 100, 102],
  );
  assert.throws(() => createSourcePicker(['a'], { low: 5, high: 5 }, new Set([5])), RangeError);
});
