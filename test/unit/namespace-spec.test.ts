import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlanError } from '../../src/errors.js';
import { markPartialSeconds } from '../../src/engine/load-snapshot.js';
import { hostSysctls } from '../../src/env/profiles.js';
import { resolveNamespace } from '../../src/env/resolve-namespace.js';
import { buildPlan } from '../../src/plan/build-plan.js';

const can = (): null => null;
const cannot = (): string => 'no namespaces here';
const FACTS = { ephemeralPorts: { low: 32768, high: 60999 } };

test('the built-in target runs in a namespace of its own by default, with the host profile', async () => {
  const spec = await resolveNamespace({}, can);
  assert.equal(spec?.profile, 'host');
  assert.deepEqual(spec?.sysctls, await hostSysctls());
  const over = await resolveNamespace({ sysctl: ['net.ipv4.tcp_tw_reuse=0'] }, can);
  assert.equal(over?.sysctls['net.ipv4.tcp_tw_reuse'], '0', '--sysctl over the host profile');
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
