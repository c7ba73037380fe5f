import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlanError } from '../../src/errors.js';
import { markPartialSeconds } from '../../src/engine/load-snapshot.js';
import { hostSysctls, upstreamOf } from '../../src/env/profiles.js';
import { resolveNamespace } from '../../src/env/resolve-namespace.js';
import { buildPlan } from '../../src/plan/build-plan.js';

const can = (): null => null;
const cannot = (): string => 'no namespaces here';
const FACTS = { ephemeralPorts: { low: 32768, high: 60999 } };

test("the built-in target runs in a namespace of its own by default, with the upstream profile: the host's settings as a remote upstream meets them", async () => {
  const host = await hostSysctls();
  const spec = await resolveNamespace({}, can);
  assert.equal(spec?.profile, 'upstream');
  assert.deepEqual(spec?.sysctls, upstreamOf(host));
  assert.equal(spec?.sizeTwTable, true);
  assert.match(spec!.note!, /^upstream view: tcp_tw_reuse /);
  // --profile host keeps loopback's own: no note, no sizing.
  const asHost = await resolveNamespace({ profile: 'host' }, can);
  assert.deepEqual([asHost?.sysctls, asHost?.note, asHost?.sizeTwTable], [host, undefined, undefined]);
  const over = await resolveNamespace({ sysctl: ['net.ipv4.tcp_tw_reuse=1'] }, can);
  assert.equal(over?.sysctls['net.ipv4.tcp_tw_reuse'], '1', '--sysctl over the default profile');
  assert.equal(over?.sysctls['net.ipv4.ip_local_port_range'], (await hostSysctls())['net.ipv4.ip_local_port_range']);
  assert.equal((await resolveNamespace({ profile: 'narrow' }, can))?.profile, 'narrow');
});

test('the host: --no-netns, a target outside portchurn, or no namespaces; each plan says why', async () => {
  assert.equal(await resolveNamespace({ netns: false }, can), null);
  assert.equal(await resolveNamespace({ target: 'http://127.0.0.1:8080/' }, can), null);
  assert.equal(await resolveNamespace({}, cannot), null);
  assert.equal(buildPlan({ netns: false }, FACTS, null).hostReason, '--no-netns was given');
  assert.match(buildPlan({ target: 'http://127.0.0.1:8080/' }, FACTS, null).hostReason!, /target is outside portchurn/);
  assert.match(buildPlan({}, FACTS, null).hostReason!, /no network namespace could be made/);
  assert.equal(buildPlan({}, FACTS, { sysctls: {}, profile: 'host' }).hostReason, null);
});

test('settings that need a namespace are refused where there is none, naming the option', async () => {
  const cases: [Parameters<typeof resolveNamespace>[0], () => string | null, RegExp][] = [
    [{ netns: false, profile: 'narrow' }, can, /--profile is written inside a namespace and --no-netns runs on the host/],
    [
      { target: 'http://127.0.0.1:1/', sysctl: ['net.ipv4.tcp_tw_reuse=0'] },
      can,
      /--sysctl is written inside a namespace, and a --target outside portchurn runs on the host/,
    ],
    [
      { target: 'http://127.0.0.1:1/', netns: true },
      can,
      /--netns runs in a fresh network namespace, where a --target outside portchurn cannot be reached/,
    ],
    [{ profile: 'no-reuse' }, cannot, /--profile needs a network namespace: no namespaces here/],
  ];
  for (const [options, unavailable, message] of cases)
    await assert.rejects(resolveNamespace(options, unavailable), (e: Error) => e instanceof PlanError && message.test(e.message));
});

test('the trailing partial second is marked with the milliseconds it covered; whole seconds are not', () => {
  const s = (second: number) => ({ second, attempts: 10, ok: 10, errors: {} });
  assert.deepEqual(markPartialSeconds([s(0), s(1), s(2)], 2340), [s(0), s(1), { ...s(2), coveredMs: 340 }]);
  assert.deepEqual(markPartialSeconds([s(0), s(1)], 2000), [s(0), s(1)]);
});

test('upstreamOf: the loopback-only 2 becomes 0; 0 and 1 stay; nothing else changes', () => {
  const base = { 'net.ipv4.ip_local_port_range': '32768 60999', 'net.ipv4.tcp_max_tw_buckets': '131072' } as const;
  assert.deepEqual(upstreamOf({ ...base, 'net.ipv4.tcp_tw_reuse': '2' }), { ...base, 'net.ipv4.tcp_tw_reuse': '0' });
  assert.deepEqual(upstreamOf({ ...base, 'net.ipv4.tcp_tw_reuse': '1' }), { ...base, 'net.ipv4.tcp_tw_reuse': '1' });
  assert.deepEqual(upstreamOf({ ...base, 'net.ipv4.tcp_tw_reuse': '0' }), { ...base, 'net.ipv4.tcp_tw_reuse': '0' });
});

test("the TIME_WAIT table is sized to the run's 4-tuple space (sources x destinations x ports), never below what it had, at most 2,000,000", () => {
  const ns = { sysctls: { 'net.ipv4.tcp_max_tw_buckets': '131072' }, profile: 'upstream', sizeTwTable: true };
  const size = (options: Parameters<typeof buildPlan>[0]): string | undefined =>
    buildPlan(options, FACTS, ns).netns?.sysctls['net.ipv4.tcp_max_tw_buckets'];
  assert.equal(size({ sources: '16', portMode: 'nobind' }), String(16 * 28_232));
  assert.equal(size({ sources: '4', listen: '127.0.0.1:0,127.0.0.2:0' }), String(4 * 2 * 28_232));
  assert.equal(size({}), '131072', 'one address: the table it had is already larger');
  assert.equal(size({ sources: '127.0.0.0/24' }), '2000000');
  assert.equal(
    buildPlan({ sources: '16' }, FACTS, { ...ns, sizeTwTable: undefined }).netns?.sysctls['net.ipv4.tcp_max_tw_buckets'],
    '131072',
  );
});
