import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileScope, countTable, emptyCounts, procAddressHex, procPortHex } from '../../src/sampler/tcp-table.js';

test('addresses and ports are encoded as /proc prints them', () => {
  assert.equal(procAddressHex('127.0.0.1', true), '0100007F');
  assert.equal(procAddressHex('127.0.0.1', false), '7F000001');
  assert.equal(procAddressHex('::1', true), '00000000000000000000000001000000');
  assert.equal(procAddressHex('::ffff:127.0.0.1', true), '0000000000000000FFFF00000100007F');
  assert.equal(procPortHex(8080), '1F90');
});

test('a table is split into client and server side by the scope', () => {
  const text = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1',
    '   1: 0200007F:EA60 0100007F:1F90 06 00000000:00000000 03:00001770 00000000     0        0 0 3',
    '   2: 0200007F:EA61 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 0 3',
    '   3: 0100007F:1F90 0200007F:EA62 06 00000000:00000000 03:00001770 00000000     0        0 0 3',
    '   4: 0300007F:EA60 0100007F:1F90 06 00000000:00000000 03:00001770 00000000     0        0 0 3',
    '  10: 0200007F:EA63 0100007F:0050 06 00000000:00000000 03:00001770 00000000     0        0 0 3',
    '',
  ].join('\n');
  const scope = compileScope({ sources: ['127.0.0.2'], destinations: [{ host: '127.0.0.1', port: 8080 }] }, true);
  const counts = emptyCounts(scope);
  countTable(text, scope, counts);
  assert.deepEqual(counts.client, { TIME_WAIT: 1, ESTABLISHED: 1 });
  assert.deepEqual(counts.server, { TIME_WAIT: 1 });
  assert.deepEqual(counts.portsHeld, [3]);
  const any = compileScope({ sources: [], destinations: [{ host: '127.0.0.1', port: 8080 }] }, true);
  const all = emptyCounts(any);
  countTable(text, any, all);
  assert.deepEqual(all.client, { TIME_WAIT: 2, ESTABLISHED: 1 });
});
