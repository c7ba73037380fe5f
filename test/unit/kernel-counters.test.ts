import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStatCpu } from '../../src/env/cpu-time.js';
import { counterDelta, parseProcCounters } from '../../src/env/kernel-counters.js';

const SNMP = `Ip: Forwarding DefaultTTL InReceives
Ip: 1 64 1000
Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors
Tcp: 1 200 120000 -1 5200 5100 3 2 0 90000 91000 0 0 7 0
Udp: InDatagrams NoPorts
Udp: 5 0
`;

const NETSTAT = `TcpExt: SyncookiesSent SyncookiesRecv TW TWRecycled TWKilled TCPTimeWaitOverflow ListenOverflows ListenDrops TCPAbortOnData
TcpExt: 0 0 4000 120 0 17 2 2 9
IpExt: InNoRoutes InTruncatedPkts
IpExt: 0 0
`;

test('the Tcp and TcpExt sections are read by name, whatever their order', () => {
  const tcp = parseProcCounters(SNMP, 'Tcp');
  assert.equal(tcp.ActiveOpens, 5200);
  assert.equal(tcp.PassiveOpens, 5100);
  assert.equal(tcp.OutRsts, 7);
  assert.equal(tcp.MaxConn, -1);
  const ext = parseProcCounters(NETSTAT, 'TcpExt');
  assert.equal(ext.TW, 4000);
  assert.equal(ext.TCPTimeWaitOverflow, 17);
  assert.deepEqual(parseProcCounters(SNMP, 'Sctp'), {});
});

test('a delta is after minus before; a counter that went backwards (wrapped) is left out, not negative', () => {
  const before = { tcp: { ActiveOpens: 100, PassiveOpens: 90 }, tcpExt: { TW: 50, TCPTimeWaitOverflow: 4_294_967_290 } };
  const after = { tcp: { ActiveOpens: 160, PassiveOpens: 150 }, tcpExt: { TW: 110, TCPTimeWaitOverflow: 3 } };
  assert.deepEqual(counterDelta(before, after, 'namespace'), {
    scope: 'namespace',
    tcp: { ActiveOpens: 60, PassiveOpens: 60 },
    tcpExt: { TW: 60 },
  });
});

test('thread CPU from /proc/.../stat: utime and stime in 10 ms ticks, a comm with spaces and parentheses', () => {
  const stat = '4242 (node (worker) 1) R 1 4242 4242 0 -1 4194304 100 0 0 0 250 37 0 0 20 0 12 0 123 456 789';
  assert.deepEqual(parseStatCpu(stat), { userMs: 2500, systemMs: 370 });
  assert.equal(parseStatCpu('garbage'), null);
});
