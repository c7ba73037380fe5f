// nft's JSON listing of NAT rules, as the scene checks what it applied and watch finds a
// namespace's rules: kind, addresses, ports, flags and the source a rule matches.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nftNatRulesOf } from '../../src/env/nft-nat-rules.js';

const saddr = (right: unknown) => ({ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right } });

test('snat and masquerade statements with their addresses, ports, flags and source; other rules ignored', () => {
  const listing = {
    nftables: [
      { metainfo: { json_schema_version: 1 } },
      { table: { family: 'ip', name: 'portchurn_nat' } },
      {
        rule: {
          expr: [
            saddr({ prefix: { addr: '198.18.0.0', len: 16 } }),
            { snat: { addr: { range: ['198.19.0.1', '198.19.0.2'] }, port: { range: [20000, 20009] }, flags: ['random', 'persistent'] } },
          ],
        },
      },
      { rule: { expr: [saddr('198.18.0.1'), { snat: { addr: '198.19.0.1', port: { range: [20000, 20003] }, flags: 'fully-random' } }] } },
      { rule: { expr: [{ masquerade: null }] } },
      { rule: { expr: [{ counter: { packets: 3 } }, { drop: null }] } },
    ],
  };
  assert.deepEqual(nftNatRulesOf(listing), [
    {
      kind: 'snat',
      addresses: ['198.19.0.1', '198.19.0.2'],
      ports: [20000, 20009],
      flags: ['random', 'persistent'],
      source: '198.18.0.0/16',
    },
    { kind: 'snat', addresses: ['198.19.0.1', '198.19.0.1'], ports: [20000, 20003], flags: ['fully-random'], source: '198.18.0.1' },
    { kind: 'masquerade', addresses: null, ports: null, flags: [], source: null },
  ]);
  assert.deepEqual(nftNatRulesOf({}), []);
});
