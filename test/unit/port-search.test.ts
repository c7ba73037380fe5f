import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bindProbes,
  calibrationOf,
  predictPortSearch,
  searchingCall,
  walkNsPerPort,
  type PortSearchInput,
} from '../../src/model/port-search.js';
import type { PortSearchCalibration } from '../../src/result/prediction.js';

/** A seeded generator (mulberry32), so a simulated random offset is the same every run. */
function seeded(seed: number): (below: number) => number {
  let a = seed >>> 0;
  return (below) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below);
  };
}

/**
 * __inet_hash_connect() over one pair's range, every port handed out kept held (TIME_WAIT, no
 * reuse): the low parity from the pair's offset, then the other; the offset moves past each port
 * handed out. Ports probed by each connect().
 */
function simulateConnect(range: number, count: number): number[] {
  const held = new Uint8Array(range);
  let perturb = 0;
  const probed: number[] = [];
  for (let c = 0; c < count; c++) {
    let offset = (perturb % range) & ~1;
    let probes = 0;
    let found = false;
    for (let pass = 0; pass < 2 && !found; pass++, offset++) {
      for (let i = 0; i < range; i += 2) {
        const port = (offset + i) % range;
        probes += 1;
        if (!held[port]) {
          held[port] = 1;
          perturb += i + 2;
          found = true;
          break;
        }
      }
    }
    if (!found) break;
    probed.push(probes);
  }
  return probed;
}

/**
 * inet_csk_find_open_port() for one address: the odd ports of the lower half from a random
 * offset, then the even ones, then the upper half the same way; the first free port is taken.
 */
function simulateBind(range: number, count: number, below: (n: number) => number): number[] {
  const held = new Uint8Array(range);
  const half = Math.floor(range / 2);
  const probed: number[] = [];
  for (let c = 0; c < count; c++) {
    let probes = 0;
    let found = false;
    for (const [low, size] of [
      [0, half],
      [half, range - half],
    ] as const) {
      if (found) break;
      const offset = below(size) | 1;
      for (const parity of [1, 0]) {
        if (found) break;
        const start = parity === 1 ? offset : offset - 1;
        for (let i = 0; i < size; i += 2) {
          const port = low + ((start + i) % size);
          probes += 1;
          if (!held[port]) {
            held[port] = 1;
            found = true;
            break;
          }
        }
      }
    }
    if (!found) break;
    probed.push(probes);
  }
  return probed;
}

test('the searching call per port path: connect() for kernel and nobind, bind() for bind, none for explicit ports', () => {
  assert.equal(searchingCall('kernel'), 'connect');
  assert.equal(searchingCall('nobind'), 'connect');
  assert.equal(searchingCall('bind'), 'bind');
  assert.equal(searchingCall('explicit'), null);
});

test("connect()'s simulated walk: one probe a call for half the range, then the whole held half each call", () => {
  const probed = simulateConnect(2048, 1100);
  assert.ok(probed.slice(0, 1024).every((p) => p === 1));
  assert.ok(probed.slice(1025, 1100).every((p) => p >= 1024));
});

test("bindProbes follows a simulated bind(): linear probing from a random offset, Knuth's count at 1/2, 3/4 and 9/10 of the quarter, a whole quarter walked once it is held", () => {
  // A quarter of 2,048 ports: Knuth's count is asymptotic, and holds to 9/10 from about this size on.
  const range = 8192;
  const quarter = range / 4;
  const trials = 60;
  const sums = new Map<number, number>();
  const below = seeded(7);
  for (let t = 0; t < trials; t++) {
    const probed = simulateBind(range, quarter + 64, below);
    for (const held of [quarter / 2, (quarter * 3) / 4, Math.floor(quarter * 0.9), quarter + 32])
      sums.set(held, (sums.get(held) ?? 0) + probed[held]!);
  }
  for (const [held, sum] of sums) {
    const simulated = sum / trials;
    const predicted = bindProbes(held, quarter);
    assert.ok(
      Math.abs(simulated - predicted) / predicted < 0.25,
      `at ${held} held: simulated ${simulated.toFixed(1)} probes, bindProbes ${predicted.toFixed(1)}`,
    );
  }
  assert.ok(bindProbes(quarter, quarter) > quarter, 'a held quarter is walked whole');
  assert.equal(bindProbes(4 * quarter, quarter), Infinity, 'all four quarters held: exhausted');
});

test('calibrationOf reads the fall, the cost of a walked port and of a probed port back from timings made of them', () => {
  const connect = [2048, 16384].map((range) => ({
    rangePorts: range,
    // 12 µs a fast call, 130 ns a port walked, a little jitter that repeats.
    ns: simulateConnect(range, range / 2 + 30).map((p, i) => 12_000 + (p - 1) * 130 + (i % 7) * 50),
  }));
  const below = seeded(3);
  const bind = { rangePorts: 2048, ns: simulateBind(2048, 1024, below).map((p, i) => 1_500 + p * 150 + (i % 5) * 20) };
  const cal = calibrationOf(connect, bind, '6.99.0-test', 321);
  assert.equal(cal.kernel, '6.99.0-test');
  assert.equal(cal.tookMs, 321);
  assert.ok(cal.connect.fallAt !== null && cal.connect.fallAt >= 1000 && cal.connect.fallAt <= 1024, `fall at ${cal.connect.fallAt}`);
  assert.deepEqual(
    cal.connect.walk.map((w) => w.walkedPorts),
    [1024, 8192],
  );
  for (const w of cal.connect.walk) assert.ok(Math.abs(w.nsPerPort - 130) < 5, `${w.nsPerPort} ns a walked port`);
  assert.ok(cal.bind.nsPerProbe !== null && Math.abs(cal.bind.nsPerProbe - 150) < 15, `${cal.bind.nsPerProbe} ns a probed port`);
  assert.ok(cal.bind.fallAt !== null && cal.bind.fallAt > 256 && cal.bind.fallAt <= 512, `bind fall at ${cal.bind.fallAt}`);
  assert.match(cal.behaviour, /^connect\(\) 12\.\d+ µs for 10\d\d of 2048 ports \(\d+ %\)/);
});

const CAL: PortSearchCalibration = {
  kernel: '6.99.0-test',
  tookMs: 400,
  connect: {
    rangePorts: 2048,
    fastUs: 12,
    fallAt: 1012,
    walk: [
      { walkedPorts: 1024, callUs: 122, nsPerPort: 100 },
      { walkedPorts: 8192, callUs: 1240, nsPerPort: 130 },
    ],
  },
  bind: { rangePorts: 2048, fastUs: 1.5, fallAt: 440, nsPerProbe: 150 },
  behaviour: 'test',
};

test("a walked port's cost: the probe's sizes, interpolated in log size, the trend carried past the longest", () => {
  assert.equal(walkNsPerPort(CAL, 512), 100);
  assert.equal(walkNsPerPort(CAL, 1024), 100);
  assert.ok(Math.abs(walkNsPerPort(CAL, Math.round(Math.sqrt(1024 * 8192)))! - 115) < 0.1);
  assert.ok(Math.abs(walkNsPerPort(CAL, 8192 * 8)! - 160) < 0.1);
  assert.equal(walkNsPerPort({ ...CAL, connect: { ...CAL.connect, walk: [] } }, 4096), null);
});

const CONNECT: PortSearchInput = {
  portMode: 'nobind',
  pairs: 2,
  usablePorts: 2000,
  holdSec: 60,
  durationSec: 6,
  threads: 1,
  okPerSecond: [1000, 1000, 900, 900, 200, 0],
  calibration: CAL,
};

test('connect(): fast until pairs x half the range, then each call walks the held half, until the range is held', () => {
  const p = predictPortSearch(CONNECT)!;
  assert.equal(p.call, 'connect()');
  assert.equal(p.fastPerPair, 1000);
  assert.equal(p.fallAt, 2000);
  assert.equal(p.fastPerSec, 1000);
  assert.equal(p.slowCallUs, 100, '1,000 held ports at 100 ns');
  // 1 ms a connection before the fall, 1.1 ms after it: 909/s until the 4,000 ports are held at 4.2 s.
  assert.deepEqual(p.curve.slice(0, 2), [1000, 1000]);
  assert.ok(Math.abs(p.curve[2]! - 909) <= 1 && Math.abs(p.curve[3]! - 909) <= 1, p.curve.join(','));
  assert.ok(Math.abs(p.curve[4]! - 182) <= 2, p.curve.join(','));
  assert.equal(p.curve[5], 0);
  assert.equal(p.expectedOk, 4000, 'never more than the range holds');
  assert.equal(p.expectedPerSec, 666.7);
  assert.equal(p.calibrated, true);
});

test('bind(): the fall at sources x a quarter, the cost climbing before it, the fast rate read from the seconds before 3/4 of it', () => {
  const p = predictPortSearch({
    ...CONNECT,
    portMode: 'bind',
    pairs: 1,
    usablePorts: 4000,
    durationSec: 4,
    okPerSecond: [500, 500, 400, 300],
  })!;
  assert.equal(p.call, 'bind()');
  assert.equal(p.fastPerPair, 1000);
  assert.equal(p.fallAt, 1000);
  assert.equal(p.fastPerSec, 500, 'the first second only: the second one crosses 750');
  assert.equal(p.curve[0], 500);
  assert.ok(p.curve[1]! < 500 && p.curve[2]! < p.curve[1]!, `slower as the runs grow: ${p.curve.join(',')}`);
  assert.equal(p.slowCallUs, Math.round(bindProbes(1000, 1000) * 150) / 1000);
});

test('no prediction where nothing searches or nothing falls; ports that come back after tcp_tw_reuse_delay fall only above half the range a delay', () => {
  assert.equal(predictPortSearch({ ...CONNECT, portMode: 'explicit' }), null);
  assert.equal(predictPortSearch({ ...CONNECT, usablePorts: 28232, okPerSecond: [1000, 1000, 1000, 1000, 1000, 1000] }), null);
  const reuse = { ...CONNECT, pairs: 1, holdSec: 1, durationSec: 4 };
  assert.equal(predictPortSearch({ ...reuse, okPerSecond: [500, 500, 500, 500] }), null, '500/s < 1,000 ports a second');
  assert.notEqual(predictPortSearch({ ...reuse, okPerSecond: [3000, 3000, 3000, 3000] }), null);
});

test('uncalibrated: the fall is still placed, nothing after it is predicted and meas/model has nothing to compare with', () => {
  const p = predictPortSearch({ ...CONNECT, calibration: null })!;
  assert.equal(p.fallAt, 2000);
  assert.equal(p.calibrated, false);
  assert.equal(p.slowCallUs, null);
  assert.equal(p.expectedOk, null);
  assert.equal(p.expectedPerSec, null);
  assert.deepEqual(p.curve, []);
});

test('a fall inside the first second: the fast rate is the one that makes that second what it was, not the mixed count', () => {
  // 20,000/s before the fall (50 µs a connection), 10,000 fast, then 1 ms walks: 0.5 s fast + 0.5 s at 952/s = 10,476.
  const p = predictPortSearch({
    ...CONNECT,
    pairs: 1,
    usablePorts: 20_000,
    durationSec: 3,
    okPerSecond: [10_476, 952, 952],
    calibration: { ...CAL, connect: { ...CAL.connect, walk: [{ walkedPorts: 10_000, callUs: 1000, nsPerPort: 100 }] } },
  })!;
  assert.ok(Math.abs(p.fastPerSec - 20_000) < 200, `inferred ${p.fastPerSec}/s`);
  assert.ok(Math.abs(p.curve[0]! - 10_476) <= 2, p.curve.join(','));
  assert.ok(Math.abs(p.curve[1]! - 952) <= 2, p.curve.join(','));
});
