import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProcNetTcp } from '../../src/env/proc-net-tcp.js';

const TCP4 = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0900007F:EA60 0100007F:1F90 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
   1: 0000000000000000FFFF00000100007F:D431 0000000000000000FFFF00000100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 2 1
`;

test('IPv4 lines decode address, port, state and timer (little-endian host)', () => {
  assert.deepEqual(parseProcNetTcp(TCP4, true), [
    {
      localAddress: '127.0.0.1',
      localPort: 8080,
      remoteAddress: '0.0.0.0',
      remotePort: 0,
      state: 'LISTEN',
      stateNumber: 10,
      timerTicks: 0,
    },
    // The TIME_WAIT timer: 0x1770 ticks of 10 ms, 60 s.
    {
      localAddress: '127.0.0.9',
      localPort: 60000,
      remoteAddress: '127.0.0.1',
      remotePort: 8080,
      state: 'TIME_WAIT',
      stateNumber: 6,
      timerTicks: 6000,
    },
  ]);
});

test('IPv6 lines decode ::1 and IPv4-mapped addresses', () => {
  const [listen, mapped] = parseProcNetTcp(TCP6, true);
  assert.equal(listen!.localAddress, '::1');
  assert.equal(listen!.localPort, 8081);
  assert.equal(listen!.remoteAddress, '::');
  assert.equal(mapped!.localAddress, '::ffff:127.0.0.1');
  assert.equal(mapped!.state, 'ESTABLISHED');
});

test('a big-endian host prints the bytes the other way round', () => {
  const [entry] = parseProcNetTcp(TCP4.replace('0100007F:1F90 00000000', '7F000001:1F90 00000000'), false);
  assert.equal(entry!.localAddress, '127.0.0.1');
});
