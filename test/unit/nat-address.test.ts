import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jhash2, natAddressOf } from '../../src/model/nat-address.js';
import { evictsTimeWait, natBudget } from '../../src/model/nat-budget.js';
import { addressPlanOf } from '../../src/nat/scene-spec.js';
import { renderNatRuleset } from '../../src/nat/ruleset.js';
import { PlanError } from '../../src/errors.js';
import { synResendsAtSec } from '../../src/model/syn-backoff.js';

// The kernel's own choices are checked against this model in test/integration/nat-scene.test.ts
// (8 pods over 2 NAT addresses, with and without persistent, each mapping read from conntrack).

test('jhash2: the empty key is the seeded initial value; a word changes the hash', () => {
  assert.equal(jhash2([], 0), 0xdeadbeef);
  assert.notEqual(jhash2([1, 0, 0, 0], 0), jhash2([2, 0, 0, 0], 0));
  assert.notEqual(jhash2([1, 0, 0, 0], 0), jhash2([1, 0, 0, 0], 1));
});

test('the NAT address: one choice taken as is; a pod keeps its address towards a destination; persistent ignores the destination', () => {
  assert.equal(natAddressOf('198.18.0.1', '198.19.128.1', '198.19.0.1', '198.19.0.1'), '198.19.0.1');
  const pods = Array.from({ length: 64 }, (_, i) => `198.18.0.${i + 1}`);
  const range = ['198.19.0.1', '198.19.0.4'] as const;
  const to = (dst: string, persistent = false): string[] => pods.map((p) => natAddressOf(p, dst, ...range, persistent));
  assert.deepEqual(to('198.19.128.1'), to('198.19.128.1'), 'no random seed: the same every time');
  assert.ok(new Set(to('198.19.128.1')).size === 4, 'the hash spreads 64 pods over all 4 addresses');
  assert.ok(
    to('198.19.128.1').every((a) => a >= '198.19.0.1' && a <= '198.19.0.4'),
    'inside the range',
  );
  assert.notDeepEqual(to('198.19.128.1'), to('198.19.128.2'), 'another destination, another spread');
  assert.deepEqual(to('198.19.128.1', true), to('198.19.128.2', true), 'persistent: the source alone');
});

test('the scene spec: addresses inside 198.18.0.0/15, and what cannot work refused naming the option', () => {
  const spec = {
    kind: 'snat' as const,
    pods: 3,
    natAddresses: 2,
    natPorts: { low: 20000, high: 20009 },
    flags: ['fully-random' as const],
    destinations: 2,
    destinationPorts: [80],
  };
  const plan = addressPlanOf(spec);
  assert.deepEqual(plan.pods, ['198.18.0.1', '198.18.0.2', '198.18.0.3']);
  assert.deepEqual(plan.natAddresses, ['198.19.0.1', '198.19.0.2']);
  assert.deepEqual(plan.servers, ['198.19.128.1', '198.19.128.2']);
  assert.match(
    renderNatRuleset(spec, plan),
    /oifname "outside" ip saddr 198\.18\.0\.0\/16 meta l4proto tcp snat to 198\.19\.0\.1-198\.19\.0\.2:20000-20009 fully-random/,
  );
  assert.match(
    renderNatRuleset(
      { ...spec, kind: 'masquerade', natAddresses: 1, flags: [] },
      addressPlanOf({ ...spec, kind: 'masquerade', natAddresses: 1, flags: [] }),
    ),
    /meta l4proto tcp masquerade to :20000-20009\n/,
  );
  for (const [bad, option] of [
    [{ pods: 0 }, '--pods'],
    [{ natPorts: { low: 0, high: 10 } }, '--nat-ports'],
    [{ kind: 'masquerade' }, '--nat-addresses'],
    [{ destinationPorts: [70000] }, '--destination-ports'],
    [{ flags: ['random', 'fully-random'] }, '--nat-flags'],
  ] as const) {
    assert.throws(
      () => addressPlanOf({ ...spec, ...bad } as typeof spec),
      (e: unknown) => e instanceof PlanError && e.option === option,
      JSON.stringify(bad),
    );
  }
});

test('the NAT budget: mappings per destination from the addresses the pods hash onto; a rate before Linux 6.5, open connections from it', () => {
  const pods = ['198.18.0.1', '198.18.0.2', '198.18.0.3', '198.18.0.4', '198.18.0.5', '198.18.0.6', '198.18.0.7', '198.18.0.8'];
  const input = { pods, natAddresses: ['198.19.0.1', '198.19.0.2'], ports: 10, destinations: ['198.19.128.1'], persistent: false };
  const now = natBudget({ ...input, kernel: '6.18.44-fc-v1300' });
  assert.deepEqual(now.natAddressesUsed, ['198.19.0.1', '198.19.0.2'], 'the 8 pods spread over both (as the kernel did in the scene test)');
  assert.equal(now.mappings, 20);
  assert.equal(now.timeWaitTakenBack, true);
  assert.equal(now.sustainedPerSec, null);
  assert.match(
    now.formula,
    /open at once \(Linux 6\.18\.44-fc-v1300: a new SYN takes back a mapping in TIME_WAIT, where the client's FIN leaves it/,
  );
  // Each destination spreads the pods its own way (the hash is seeded with it); the budgets add up.
  const two = natBudget({ ...input, destinations: ['198.19.128.1', '198.19.128.2'], kernel: '6.18.0' });
  assert.deepEqual(
    two.destinations.map((d) => d.destination),
    ['198.19.128.1', '198.19.128.2'],
  );
  for (const d of two.destinations) {
    const expected: Record<string, number> = {};
    for (const p of pods) {
      const a = natAddressOf(p, d.destination, '198.19.0.1', '198.19.0.2');
      expected[a] = (expected[a] ?? 0) + 1;
    }
    assert.deepEqual(d.podsPerAddress, expected);
    assert.equal(d.mappings, 10 * Object.keys(expected).length);
  }
  assert.equal(two.mappings, two.destinations[0]!.mappings + two.destinations[1]!.mappings);
  const old = natBudget({ ...input, kernel: '6.1.0-13-amd64' });
  assert.equal(old.timeWaitTakenBack, false);
  assert.equal(old.sustainedPerSec, 20 / 120);
  const reset = natBudget({ ...input, close: 'reset', kernel: '6.1.0-13-amd64' });
  assert.equal(reset.holdSec, 10, 'a reset leaves the mapping in CLOSE, 10 s');
  assert.equal(reset.sustainedPerSec, 20 / 10);
  assert.match(reset.formula, /each held 10 s after its close, in CLOSE, where the reset leaves it/);
  assert.match(
    natBudget({ ...input, close: 'server', kernel: '6.1.0' }).formula,
    /TIME_WAIT, where the server's FIN leaves it \(either side's would\)/,
  );
  assert.equal(natBudget({ ...input, pods: ['198.18.0.1'], kernel: '6.18.0' }).mappings, 10, 'one pod, one NAT address');
  // Port preservation: without a random flag a pod's own port inside the range is kept; with one, only by chance.
  const podPorts = { low: 32768, high: 60999 };
  const full = { ...input, ports: 64512, lowPort: 1024, podPorts, kernel: '6.18.0' };
  assert.equal(natBudget(full).portKeptShare, 1);
  assert.match(
    natBudget(full).formula,
    /100 % of the pods' ports lie in the range: each keeps its own while no mapping, closed ones included, holds it/,
  );
  assert.equal(natBudget({ ...full, randomPorts: true }).portKeptShare, 1 / 64512);
  assert.match(natBudget({ ...full, randomPorts: true }).formula, /the random flag searches every port/);
  assert.equal(
    natBudget({ ...input, lowPort: 20000, podPorts, kernel: '6.18.0' }).portKeptShare,
    0,
    "a range below the pods' ports keeps none",
  );
  assert.equal(
    natBudget({ ...input, ports: 14116, lowPort: 32768, podPorts, kernel: '6.18.0' }).portKeptShare,
    0.5,
    'half their range inside',
  );
  assert.deepEqual(['5.15.0', '6.4.9', '6.5.0', '7.0.1', 'weird'].map(evictsTimeWait), [false, false, true, true, false]);
});

test("the pods' SYN resends: doubling from 1 s before Linux 6.7, four linear timeouts first from it (tcp_syn_linear_timeouts)", () => {
  assert.deepEqual(synResendsAtSec('6.1.0'), [1, 3, 7, 15, 31, 63]);
  assert.deepEqual(synResendsAtSec('6.18.44-fc-v1300'), [1, 2, 3, 4, 5, 7]);
  assert.deepEqual(synResendsAtSec('6.7.0', 8), [1, 2, 3, 4, 5, 7, 11, 19]);
});
