// The native target's stats JSON, held against abi.json's targetStats, and a failed thread loop turned into a run failure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constants } from 'node:os';
import { TargetError } from '../../src/errors.js';
import { statsOf } from '../../src/builtin-target/native-target.js';

const STATS = {
  connections: 3,
  requests: 5,
  byRemoteAddress: { '127.0.0.1': { connections: 3, requests: 5 } },
  byLocalAddress: { '127.0.0.1:8080': { connections: 3, requests: 5 } },
  refused: { tooLong: 0, malformed: 0, headTimeout: 0, acceptErrors: 0, writeTimeout: 1 },
  countsComplete: true,
  ended: { connections: 3, requests: 5, maxRequests: 2 },
  threads: [
    { userMs: 1, systemMs: 2 },
    { userMs: 3, systemMs: 4 },
  ],
  loopErrnos: [0, constants.errno.EBADF],
};

test("stats that match abi.json: CPU summed, a thread's failed loop named as a failure", () => {
  const s = statsOf(JSON.stringify(STATS));
  assert.deepEqual(s.cpu, { userMs: 4, systemMs: 6 });
  assert.equal(s.refused?.writeTimeout, 1);
  assert.deepEqual(s.failures, ['built-in target thread 2: its loop failed (EBADF) and it served nothing after that']);
  assert.equal(statsOf(JSON.stringify({ ...STATS, loopErrnos: [0, 0] })).failures, undefined);
});

test('a field abi.json does not list, or one it lists that is missing, is a TargetError naming it', () => {
  const { ended: _e, ...missing } = STATS;
  assert.throws(
    () => statsOf(JSON.stringify(missing)),
    (e: unknown) => e instanceof TargetError && /missing ended/.test(e.message),
  );
  assert.throws(
    () => statsOf(JSON.stringify({ ...STATS, surprise: 1 })),
    (e: unknown) => e instanceof TargetError && /not listed surprise/.test(e.message),
  );
});
