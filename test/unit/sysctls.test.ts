import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PlanError } from '../../src/errors.js';
import { resolveNamespace } from '../../src/env/resolve-namespace.js';
import { loadProfileFile, resolveProfiles } from '../../src/env/profiles.js';
import { parseSysctls, portRangeOf } from '../../src/plan/sysctls.js';
import { namespaceFacts } from '../../src/plan/namespace.js';

test('--sysctl assignments are validated and normalised', () => {
  assert.deepEqual(parseSysctls(['net.ipv4.ip_local_port_range="40000 40999"', 'net.ipv4.tcp_tw_reuse=0', 'net/ipv4/tcp_timestamps=1']), {
    'net.ipv4.ip_local_port_range': '40000 40999',
    'net.ipv4.tcp_tw_reuse': '0',
    'net.ipv4.tcp_timestamps': '1',
  });
  assert.deepEqual(parseSysctls(['net.ipv4.ip_local_port_range=40000-40999']), { 'net.ipv4.ip_local_port_range': '40000 40999' });
  assert.deepEqual(parseSysctls(['net.ipv4.ip_local_reserved_ports=8080, 9000-9010']), {
    'net.ipv4.ip_local_reserved_ports': '8080,9000-9010',
  });
  assert.deepEqual(parseSysctls(['net.ipv4.tcp_tw_reuse=1', 'net.ipv4.tcp_tw_reuse=2']), { 'net.ipv4.tcp_tw_reuse': '2' });
});

test('unknown names and out-of-range values are refused', () => {
  const bad: [string, RegExp][] = [
    ['net.ipv4.tcp_fin_timeout=5', /not a setting/],
    ['net.core.somaxconn=10', /not a setting/],
    ['tcp_tw_reuse', /NAME=VALUE/],
    ['net.ipv4.ip_local_port_range=40999 40000', /reversed/],
    ['net.ipv4.ip_local_port_range=40000 40000', /at least 2 ports/],
    ['net.ipv4.ip_local_port_range=0 100', /within 1-65535/],
    ['net.ipv4.ip_local_port_range=1000 70000', /within 1-65535/],
    ['net.ipv4.tcp_tw_reuse=3', /0 to 2/],
    ['net.ipv4.tcp_tw_reuse=-1', /0 to 2/],
    ['net.ipv4.tcp_tw_reuse_delay=0', /1 to 600000/],
    ['net.ipv4.ip_local_reserved_ports=9010-9000', /list of ports/],
  ];
  for (const [text, message] of bad)
    assert.throws(
      () => parseSysctls([text]),
      (e: unknown) => e instanceof PlanError && message.test(e.message),
      text,
    );
  assert.equal(portRangeOf(1000), '40000 40999');
  assert.throws(() => portRangeOf(1), PlanError);
});

test('profiles resolve to their settings; host copies the host values', async () => {
  const [narrow, host] = await resolveProfiles(['narrow', 'host']);
  assert.deepEqual(narrow!.sysctls, { 'net.ipv4.ip_local_port_range': '40000 40999', 'net.ipv4.tcp_tw_reuse': '0' });
  assert.match(host!.sysctls['net.ipv4.ip_local_port_range'] ?? '', /^\d+ \d+$/);
  await assert.rejects(resolveProfiles(['turbo']), /--profile 'turbo' is not known/);
});

test('a profile file is validated value by value', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portchurn-profiles-'));
  try {
    const good = join(dir, 'good.json');
    await writeFile(
      good,
      JSON.stringify({
        tiny: { description: 'two hundred ports', sysctls: { 'net.ipv4.ip_local_port_range': '50000 50199', 'net.ipv4.tcp_tw_reuse': 0 } },
        flat: { 'net.ipv4.tcp_timestamps': '0' },
      }),
    );
    const profiles = await loadProfileFile(good);
    assert.deepEqual(profiles.tiny!.sysctls, { 'net.ipv4.ip_local_port_range': '50000 50199', 'net.ipv4.tcp_tw_reuse': '0' });
    assert.deepEqual(profiles.flat!.sysctls, { 'net.ipv4.tcp_timestamps': '0' });
    const spec = await resolveNamespace({ netns: true, profile: 'tiny', profilesFile: good, sysctl: ['net.ipv4.tcp_tw_reuse=1'] });
    assert.deepEqual(spec, { profile: 'tiny', sysctls: { 'net.ipv4.ip_local_port_range': '50000 50199', 'net.ipv4.tcp_tw_reuse': '1' } });
    assert.deepEqual(namespaceFacts(spec!), { ephemeralPorts: { low: 50000, high: 50199 }, isolated: true });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ x: { 'net.ipv4.tcp_tw_reuse': 7 } }));
    await assert.rejects(loadProfileFile(bad), /0 to 2/);
    await writeFile(bad, '{ not json');
    await assert.rejects(loadProfileFile(bad), PlanError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('settings on the host are refused: the host is never written', async () => {
  await assert.rejects(
    resolveNamespace({ netns: false, sysctl: ['net.ipv4.tcp_tw_reuse=0'] }),
    /--sysctl is written inside a namespace and --no-netns runs on the host/,
  );
  await assert.rejects(resolveNamespace({ netns: false, profile: 'narrow' }), /--profile is written inside a namespace/);
  assert.equal(await resolveNamespace({ netns: false }), null);
  assert.deepEqual(namespaceFacts({ sysctls: {}, profile: null }).ephemeralPorts, { low: 32768, high: 60999 });
});
