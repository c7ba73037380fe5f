import assert from 'node:assert/strict';
import { test } from 'node:test';
import { doctorStatus, runChecks, type Probes } from '../../src/doctor/checks.js';

const healthy: Probes = {
  bind: async () => null,
  openFileLimit: async () => 65536,
  namespace: () => 'unshare -n',
  which: (c) => `/usr/bin/${c}`,
  platform: 'linux',
  native: () => null,
};

test('a healthy machine passes every check', async () => {
  const results = await runChecks(64, healthy);
  assert.deepEqual(
    results.map((r) => [r.name, r.ok]),
    [
      ['native engine', true],
      ['loopback addresses', true],
      ['IPv6 loopback', true],
      ['open files', true],
      ['network namespaces', true],
      ['nginx', true],
      ['haproxy', true],
      ['nft', true],
      ['conntrack', true],
      ['chromium', true],
    ],
  );
  assert.equal(doctorStatus(results, []), 0);
});

test('the NAT scene needs nft and conntrack: missing, each names its package, and --need nat fails on it', async () => {
  const results = await runChecks(64, { ...healthy, which: (c) => (c === 'nft' || c === 'conntrack' ? null : `/usr/bin/${c}`) });
  const nat = results.filter((r) => r.feature === 'nat');
  assert.deepEqual(
    nat.map((r) => [r.name, r.ok, r.fix]),
    [
      ['nft', false, 'apt-get install nftables'],
      ['conntrack', false, 'apt-get install conntrack'],
    ],
  );
  assert.equal(doctorStatus(results, []), 0, 'optional unless asked for');
  assert.equal(doctorStatus(results, ['nat']), 1);
});

test('each failure names its fix; only needed features fail the exit status', async () => {
  const macNoAlias = await runChecks(64, {
    ...healthy,
    platform: 'darwin',
    bind: async (a) => (a === '::1' || a === '127.0.0.1' ? null : 'EADDRNOTAVAIL'),
  });
  const loop = macNoAlias.find((r) => r.name === 'loopback addresses')!;
  assert.equal(loop.ok, false);
  assert.match(loop.fix!, /sudo ifconfig lo0 alias 127\.0\.0\.2/);
  assert.equal(doctorStatus(macNoAlias, []), 1);

  const lowFiles = await runChecks(10_000, { ...healthy, openFileLimit: async () => 1024 });
  const files = lowFiles.find((r) => r.name === 'open files')!;
  assert.equal(files.ok, false);
  assert.match(files.detail, /20064 needed for 10000 connections/);
  assert.match(files.fix!, /ulimit -n 65536/);

  const noExtras = await runChecks(64, {
    ...healthy,
    namespace: () => null,
    which: () => null,
    native: () => 'not built (no build/Release/portchurn_native.node)',
  });
  assert.equal(doctorStatus(noExtras, ['native']), 1);
  assert.match(noExtras.find((r) => r.name === 'native engine')!.detail, /not built .*; the JavaScript engine runs instead/);
  assert.match(noExtras.find((r) => r.name === 'native engine')!.fix!, /npm install/);
  assert.equal(doctorStatus(noExtras, []), 0, 'optional features missing: still usable');
  assert.equal(doctorStatus(noExtras, ['nginx']), 1);
  assert.match(noExtras.find((r) => r.name === 'nginx')!.fix!, /apt-get install nginx-light/);
  assert.match(noExtras.find((r) => r.name === 'haproxy')!.fix!, /apt-get install haproxy/);
  assert.match(noExtras.find((r) => r.name === 'network namespaces')!.fix!, /root/);
});
