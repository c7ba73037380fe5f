// The ctnetlink answer's decoding (layout in src/native/kernel/ct_glue.c): counters, the NAT
// totals and each key's mappings by state, sorted by NAT address, destination and port as numbers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeConntrack } from '../../src/env/conntrack.js';

const HEAD = 10 * 8 + 8 + 8 + 8 + 8 + 10 * 8 + 8;
const KEY = 12 + 4 * 10;

function answer(keys: readonly { nat: number[]; dst: number[]; port: number; states: Record<number, number> }[]): Buffer {
  const buf = Buffer.alloc(HEAD + keys.length * KEY);
  buf.writeBigUInt64LE(7n, 3 * 8); // insert_failed
  buf.writeUInt32LE(2, 80); // cpus
  buf.writeUInt32LE(1, 84); // complete
  buf.writeBigUInt64LE(BigInt(keys.length * 2), 88); // NAT mappings
  buf.writeBigUInt64LE(5n, 96); // other entries
  buf.writeBigUInt64LE(1n, 104); // kept the pod's port
  buf.writeUInt32LE(keys.length, HEAD - 8);
  keys.forEach((k, i) => {
    const at = HEAD + i * KEY;
    Buffer.from(k.nat).copy(buf, at);
    Buffer.from(k.dst).copy(buf, at + 4);
    buf.writeUInt16LE(k.port, at + 8);
    for (const [state, n] of Object.entries(k.states)) buf.writeUInt32LE(n, at + 12 + Number(state) * 4);
  });
  return buf;
}

test('keys come out sorted by NAT address, destination and port as numbers (198.19.0.10 after 198.19.0.9)', () => {
  const snap = decodeConntrack(
    answer([
      { nat: [198, 19, 0, 10], dst: [198, 19, 128, 1], port: 80, states: { 3: 2 } },
      { nat: [198, 19, 0, 9], dst: [198, 19, 128, 2], port: 81, states: { 7: 1, 3: 1 } },
      { nat: [198, 19, 0, 9], dst: [198, 19, 128, 2], port: 80, states: { 7: 4 } },
      { nat: [198, 19, 0, 9], dst: [198, 19, 128, 1], port: 443, states: { 8: 1 } },
    ]),
  );
  assert.deepEqual(
    snap.mappings.map((m) => [m.natAddress, m.destination, m.port, m.total, m.byState]),
    [
      ['198.19.0.9', '198.19.128.1', 443, 1, { CLOSE: 1 }],
      ['198.19.0.9', '198.19.128.2', 80, 4, { TIME_WAIT: 4 }],
      ['198.19.0.9', '198.19.128.2', 81, 2, { ESTABLISHED: 1, TIME_WAIT: 1 }],
      ['198.19.0.10', '198.19.128.1', 80, 2, { ESTABLISHED: 2 }],
    ],
  );
  assert.deepEqual(
    [snap.stats.insertFailed, snap.stats.cpus, snap.natTotal, snap.other, snap.natPortKept, snap.complete],
    [7, 2, 8, 5, 1, true],
  );
  assert.throws(() => decodeConntrack(answer([]).subarray(0, 20)), /shorter than its/);
});
