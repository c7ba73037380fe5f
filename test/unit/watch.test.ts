import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProcNetTcp } from '../../src/env/proc-net-tcp.js';
import { watchPlanOf } from '../../src/plan/watch-plan.js';
import { NATIVE_ABI } from '../../src/addon/abi.js';
import { decodeSocketDump, procDumper, type SocketRow } from '../../src/sampler/socket-dump.js';
import { secondsToExhaustion } from '../../src/watch/exhaustion.js';
import { portBudgetOf } from '../../src/watch/port-budget.js';
import { watchSampleOf, type Snapshot } from '../../src/watch/watch-sample.js';
import { renderWatchSample } from '../../src/report/watch-table.js';

test('secondsToExhaustion: a straight line until a TIME_WAIT is freed; freed ports push it out; a steady state that fits never runs out', () => {
  const base = { usablePorts: 1000, steady: 0, holdSec: 60 };
  assert.equal(secondsToExhaustion({ ...base, releasesSec: Array(400).fill(50), ratePerSec: 100 }), 6);
  // 600 freed at 2 s: held 100 + 200 = 300 then, so the line starts again from there: 100 + 100t = 1000 at t = 9.
  assert.equal(secondsToExhaustion({ ...base, releasesSec: [...Array(600).fill(2), ...Array(100).fill(59)], ratePerSec: 100 }), 9);
  // 10/s held for 60 s is 600 ports at most: never.
  assert.equal(secondsToExhaustion({ ...base, releasesSec: Array(300).fill(30), ratePerSec: 10 }), null);
  // Exactly at the steady state's edge: reached when the first hold ends.
  assert.equal(secondsToExhaustion({ usablePorts: 600, steady: 0, holdSec: 60, releasesSec: [], ratePerSec: 10 }), 60);
  assert.equal(secondsToExhaustion({ ...base, steady: 1000, releasesSec: [], ratePerSec: 0 }), 0, 'exhausted now');
  assert.equal(secondsToExhaustion({ ...base, steady: 10, releasesSec: [], ratePerSec: 0 }), null, 'no rate, no end');
  // With tcp_tw_reuse the hold is a second: 28,000 ports need 28,000 new connections a second.
  assert.equal(secondsToExhaustion({ usablePorts: 28_000, steady: 0, holdSec: 1, releasesSec: [], ratePerSec: 27_000 }), null);
  assert.equal(secondsToExhaustion({ usablePorts: 28_000, steady: 0, holdSec: 1, releasesSec: [], ratePerSec: 28_000 }), 1);
});

const row = (over: Partial<SocketRow>): SocketRow => ({
  state: 6,
  source: '10.0.0.1',
  sourcePort: 40001,
  destination: '10.0.0.9',
  destinationPort: 80,
  timerMs: 50_000,
  id: Math.random().toString(36),
  ...over,
});

test('port budget: the range, less reserved ports, less ports bound without a destination (listeners, bound-only), each once', () => {
  const sysctls = { 'net.ipv4.ip_local_port_range': '40000 40999', 'net.ipv4.ip_local_reserved_ports': '40000-40099,40200' };
  const rows = [
    row({ state: 10, sourcePort: 40500, destination: '0.0.0.0', destinationPort: 0 }), // a listener in range
    row({ state: 10, sourcePort: 40500, source: '::', destination: '::', destinationPort: 0 }), // the same port on IPv6: once
    row({ state: 7, sourcePort: 40600, destination: '0.0.0.0', destinationPort: 0 }), // bound only
    row({ state: 10, sourcePort: 40200, destinationPort: 0 }), // reserved already
    row({ state: 10, sourcePort: 8080, destinationPort: 0 }), // outside the range
    row({ state: 1, sourcePort: 40700 }), // connected: not bound without a destination
  ];
  assert.deepEqual(portBudgetOf(sysctls, rows, true), {
    low: 40000,
    high: 40999,
    rangePorts: 1000,
    reservedInRange: 101,
    boundInRange: 2,
    boundSeen: 'listeners and bound-only sockets',
    usablePorts: 897,
  });
});

test('watchSampleOf: client groups only, tcp_tw_reuse holds TIME_WAIT for the reuse delay, rates from new ids, filters and --top', () => {
  const sysctls = {
    'net.ipv4.ip_local_port_range': '40000 40999',
    'net.ipv4.ip_local_reserved_ports': '',
    'net.ipv4.tcp_tw_reuse': '2',
    'net.ipv4.tcp_tw_reuse_delay': '1000',
    'net.ipv4.tcp_timestamps': '1',
  };
  const old = [
    row({ id: 'a1', timerMs: 59_500 }), // 0.5 s old: not reusable yet
    row({ id: 'a2', timerMs: 30_000 }), // old enough: connect() can take it (but not loopback...)
    row({ id: 'l1', source: '127.0.0.1', destination: '127.0.0.5', timerMs: 59_500 }), // loopback: tcp_tw_reuse=2 applies
    row({ id: 'l2', source: '127.0.0.1', destination: '127.0.0.5', timerMs: 30_000 }), // older than the delay: not held
    row({ id: 'srv', state: 10, source: '10.0.0.9', sourcePort: 80, destination: '0.0.0.0', destinationPort: 0 }),
    row({ id: 'acc', state: 1, source: '10.0.0.9', sourcePort: 80, destination: '10.0.0.1', destinationPort: 40003 }), // the server side
  ];
  const snapshot = (atMs: number, rows: SocketRow[]): Snapshot => ({
    atMs,
    at: new Date(Date.UTC(2026, 10, 26) + atMs),
    via: 'sock_diag',
    seesBoundOnly: true,
    rows,
    sysctls,
  });
  const now = [...old, row({ id: 'a3', state: 1 }), row({ id: 'a4', state: 2 })];
  const plan = watchPlanOf({});
  const s = watchSampleOf(snapshot(0, old), snapshot(2000, now), plan);
  assert.equal(s.totals.groups, 2);
  assert.equal(s.ports.usablePorts, 1000, 'the listener on port 80 is outside the range');
  const [remote, loopback] = s.groups;
  assert.deepEqual(
    [remote!.destination, remote!.timeWait, remote!.established, remote!.other, remote!.held, remote!.twReuse, remote!.newPerSec],
    ['10.0.0.9', 2, 1, 1, 4, false, 1],
  );
  assert.deepEqual(
    [loopback!.destination, loopback!.timeWait, loopback!.held, loopback!.twReuse, loopback!.holdSec, loopback!.newPerSec],
    ['127.0.0.5', 2, 1, true, 1, 0],
  );
  // remote: 4 held, 2 steady, 1 new/s held 60 s: 2 + 2 TIME_WAIT (freed at 59.5 s and 30 s) + t = 1000 never (steady 2 + 60).
  assert.equal(remote!.exhaustionInSec, null);
  assert.equal(remote!.steadyHeld, 62);
  const filtered = watchSampleOf(snapshot(0, old), snapshot(2000, now), watchPlanOf({ dst: '127.0.0.0/8', src: '127.0.0.1' }));
  assert.deepEqual(
    filtered.groups.map((g) => g.destination),
    ['127.0.0.5'],
  );
  const top = watchSampleOf(null, snapshot(0, now), watchPlanOf({ top: 1 }));
  assert.deepEqual([top.groups.length, top.moreGroups, top.intervalMs, top.groups[0]!.newPerSec], [1, 1, null, null]);
  const text = renderWatchSample(top);
  assert.match(text, /first read, no rates yet/);
  assert.match(text, /… and 1 more groups \(--top 1\)/);
});

test('the native dump decodes: family, state, ports, timer, cookie, both address families, IPv4-mapped as IPv4', () => {
  const record = (family: 4 | 6, src: number[], dst: number[], cookie: bigint): Buffer => {
    // Written by the field offsets abi.json gives (on this little-endian machine, the host's order).
    const F = NATIVE_ABI.records.socket.fields;
    const b = Buffer.alloc(NATIVE_ABI.records.socket.bytes);
    b[F.family.offset] = family;
    b[F.state.offset] = 6;
    b.writeUInt16LE(40001, F.sourcePort.offset);
    b.writeUInt16LE(8080, F.destinationPort.offset);
    b.writeUInt32LE(59_000, F.timerMs.offset);
    b.writeBigUInt64LE(cookie, F.cookie.offset);
    Buffer.from(src).copy(b, F.source.offset);
    Buffer.from(dst).copy(b, F.destination.offset);
    return b;
  };
  const v6 = [0x20, 0x01, 0, 2, ...Array(11).fill(0), 0x10];
  const mapped = [...Array(10).fill(0), 0xff, 0xff, 127, 0, 0, 3];
  const rows = decodeSocketDump(Buffer.concat([record(4, [127, 0, 0, 1], [127, 0, 0, 2], 7n), record(6, v6, mapped, 2n ** 40n)]));
  assert.deepEqual(rows[0], {
    state: 6,
    sourcePort: 40001,
    destinationPort: 8080,
    timerMs: 59_000,
    id: '7',
    source: '127.0.0.1',
    destination: '127.0.0.2',
  });
  assert.deepEqual([rows[1]!.source, rows[1]!.destination, rows[1]!.id], ['2001:2::10', '127.0.0.3', (2n ** 40n).toString(36)]);
});

test('the /proc reader: the TIME_WAIT timer in clock ticks becomes ms; each 4-tuple is an id', () => {
  const text =
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
    '   0: 0100007F:9C41 0200007F:1F90 06 00000000:00000000 03:0000170C 00000000     0        0 0 3 0000000000000000\n';
  assert.equal(parseProcNetTcp(text, true)[0]!.timerTicks, 0x170c);
  const rows = procDumper((path) => (path.endsWith('tcp') ? text : '')).read();
  assert.deepEqual(rows, [
    {
      state: 6,
      source: '127.0.0.1',
      sourcePort: 40001,
      destination: '127.0.0.2',
      destinationPort: 8080,
      timerMs: 0x170c * 10,
      id: '127.0.0.1|40001|127.0.0.2|8080',
    },
  ]);
});

test('watch options: defaults, and each fault named', () => {
  assert.deepEqual((({ intervalMs, once, samples, top, via }) => ({ intervalMs, once, samples, top, via }))(watchPlanOf({})), {
    intervalMs: 1000,
    once: false,
    samples: null,
    top: 20,
    via: 'auto',
  });
  assert.equal(watchPlanOf({ once: true }).samples, 1);
  const dst = watchPlanOf({ dst: ':8080,[::1]:80,10.0.0.0/8' }).destinations;
  assert.deepEqual(
    [
      dst[0]!.matches('1.2.3.4', 8080),
      dst[0]!.matches('1.2.3.4', 80),
      dst[1]!.matches('::1', 80),
      dst[2]!.matches('10.9.9.9', 1),
      dst[2]!.matches('11.0.0.1', 1),
    ],
    [true, false, true, true, false],
  );
  for (const [options, message] of [
    [{ top: '0' }, /--top/],
    [{ via: 'netlink' }, /--via must be one of/],
    [{ dst: 'x:99999' }, /--dst/],
    [{ src: '2001:2::/129' }, /--src/],
    [{ once: true, samples: '3' }, /exclude each other/],
  ] as const) {
    assert.throws(() => watchPlanOf(options), message);
  }
});
