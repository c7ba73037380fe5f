import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countReserved, predictCapacity, type ModelInput } from '../../src/model/capacity.js';

const base: ModelInput = {
  close: 'client',
  portMode: 'bind',
  sources: 1,
  destinations: 1,
  loopback: true,
  ephemeralPorts: { low: 32768, high: 60999 },
  reservedPorts: '',
  explicitPorts: null,
  twReuse: 0,
  twReuseDelayMs: 1000,
  timestamps: 1,
  maxTwBuckets: 1_000_000,
  durationSec: null,
  offeredRatePerSec: null,
};

test('one bound address, no reuse: 28,232 ports / 60 s = 470.5/s', () => {
  const p = predictCapacity(base);
  assert.equal(p.portBound, true);
  assert.equal(p.usablePorts, 28232);
  assert.equal(p.tuples, 28232);
  assert.equal(p.holdSec, 60);
  assert.ok(Math.abs(p.sustainedPerSec! - 470.533) < 0.01);
});

test('hand-worked cases', () => {
  const table: [Partial<ModelInput>, number | null, string][] = [
    // sources multiply; bind ignores extra destinations
    [{ sources: 16 }, (16 * 28232) / 60, 'bind x16'],
    [{ sources: 4, destinations: 3 }, (4 * 28232) / 60, 'bind: destinations add nothing'],
    // kernel mode counts destinations, uses one source whatever is asked
    [{ portMode: 'kernel', sources: 8, destinations: 3 }, (3 * 28232) / 60, 'kernel x3 destinations'],
    // tcp_tw_reuse: 1 anywhere, 2 on loopback only, kernel mode only, timestamps needed
    [{ portMode: 'kernel', twReuse: 1 }, 28232 / 1, 'reuse=1'],
    [{ portMode: 'kernel', twReuse: 2 }, 28232 / 1, 'reuse=2 loopback'],
    [{ portMode: 'kernel', twReuse: 2, loopback: false }, 28232 / 60, 'reuse=2 not loopback'],
    [{ portMode: 'kernel', twReuse: 1, twReuseDelayMs: 250 }, 28232 / 0.25, 'reuse delay 250 ms'],
    [{ portMode: 'kernel', twReuse: 1, timestamps: 0 }, 28232 / 60, 'reuse without timestamps'],
    [{ portMode: 'bind', twReuse: 1 }, 28232 / 60, 'bind ignores reuse'],
    // reserved ports come off the range (only the part inside it)
    [{ reservedPorts: '8080,40000-40999,60990-61010' }, (28232 - 1000 - 10) / 60, 'reserved'],
    // a narrow namespace range
    [{ ephemeralPorts: { low: 40000, high: 40999 }, sources: 4 }, 4000 / 60, 'narrow x4'],
    // explicit ports without timestamps: the explicit range, x destinations
    [
      { portMode: 'explicit', explicitPorts: { low: 61000, high: 61999 }, timestamps: 0, sources: 2, destinations: 2 },
      (2 * 1000 * 2) / 60,
      'explicit no ts',
    ],
    // not port-bound
    [{ close: 'server' }, null, 'server closes'],
    [{ close: 'reset' }, null, 'reset'],
    [{ close: 'keepalive' }, null, 'keepalive'],
    [{ portMode: 'explicit', explicitPorts: { low: 61000, high: 61999 } }, null, 'explicit with timestamps'],
    [{ maxTwBuckets: 1000, ephemeralPorts: { low: 40000, high: 41999 } }, null, 'bucket cap below the tuples'],
  ];
  for (const [override, expected, label] of table) {
    const p = predictCapacity({ ...base, ...override });
    if (expected === null) {
      assert.equal(p.portBound, false, label);
      assert.equal(p.sustainedPerSec, null, label);
    } else {
      assert.ok(p.portBound, label);
      assert.ok(Math.abs(p.sustainedPerSec! - expected) < 1e-6, `${label}: ${p.sustainedPerSec} vs ${expected}`);
    }
  }
});

test('the ceiling of a stage: the tuples once per hold period begun, capped by the offered rate', () => {
  const narrow = { ...base, ephemeralPorts: { low: 40000, high: 40999 } };
  assert.equal(predictCapacity({ ...narrow, durationSec: 10 }).ceilingOk, 1000);
  assert.equal(predictCapacity({ ...narrow, durationSec: 10 }).ceilingPerSec, 100);
  assert.equal(predictCapacity({ ...narrow, durationSec: 61 }).ceilingOk, 2000);
  assert.equal(predictCapacity({ ...narrow, portMode: 'kernel', twReuse: 1, durationSec: 2.5 }).ceilingOk, 3000);
  assert.equal(predictCapacity({ ...narrow, durationSec: 10, offeredRatePerSec: 50 }).ceilingOk, 500);
  assert.equal(predictCapacity({ ...narrow, durationSec: 10, offeredRatePerSec: 50 }).limitedBy, 'offered');
  assert.equal(predictCapacity({ ...narrow, durationSec: 10, offeredRatePerSec: 5000 }).limitedBy, 'ports');
});

test('reserved ports are counted inside the range only', () => {
  const r = { low: 100, high: 199 };
  assert.equal(countReserved('', r), 0);
  assert.equal(countReserved('150', r), 1);
  assert.equal(countReserved('90-110, 195-300,5', r), 16);
});

test('the formula names its numbers; the notes name the kernel facts', () => {
  const p = predictCapacity({ ...base, portMode: 'kernel', twReuse: 2 });
  assert.equal(p.formula, '1 source x 28232 ports / 1 s = 28232/s sustained');
  assert.ok(p.notes.some((n) => n.includes('even ports')));
  assert.ok(p.notes.some((n) => n.includes('tcp_tw_reuse=2 (loopback)')));
});
