// The stages of `portchurn nat`: each axis changes its one setting from stage to stage and keeps
// the others; every bad value is a PlanError naming the option before any scene is made.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NAT_AXES, NAT_DEFAULTS, natStagesOf, parseNatPorts } from '../../src/nat/nat-stages.js';
import { PlanError } from '../../src/errors.js';
import { runsOf } from '../../src/result/verdict.js';
import type { NatResult } from '../../src/result/nat-result.js';
import type { RunResult } from '../../src/result/result.js';
import { PROFILE_PORTS, sceneProfileOf } from '../../src/nat/nat-profile.js';

test('each axis changes its own setting and keeps the rest', () => {
  const base = natStagesOf({ axis: 'pods', values: '4' })[0]!;
  const changed = (axis: (typeof NAT_AXES)[number], values: string) =>
    natStagesOf({ axis, values }).map(({ label, ...rest }) => {
      const diff = Object.fromEntries(
        Object.entries(rest).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(base[k as keyof typeof base])),
      );
      return [label, diff];
    });
  assert.deepEqual(changed('nat-ports', '4'), [
    ['4', { natPorts: { low: 20000, high: 20003 } }],
    ['full', { natPorts: { low: 1024, high: 65535 } }],
  ]);
  assert.deepEqual(changed('nat-addresses', '1,2'), [
    ['1', {}],
    ['2', { natAddresses: 2 }],
  ]);
  assert.deepEqual(changed('destinations', '1,3'), [
    ['1', {}],
    ['3', { destinations: 3 }],
  ]);
  assert.deepEqual(changed('pods', '4,16'), [
    ['4', {}],
    ['16', { pods: 16 }],
  ]);
  assert.deepEqual(changed('rate', '500'), [['500', { load: { ratePerSec: 500 } }]]);
  assert.deepEqual(changed('close', 'client,server,reset'), [
    ['client', {}],
    ['server', { close: 'server' }],
    ['reset', { close: 'reset' }],
  ]);
  assert.deepEqual(changed('nat-flags', 'none,fully-random,random+persistent'), [
    ['none', {}],
    ['fully-random', { flags: ['fully-random'] }],
    ['random+persistent', { flags: ['random', 'persistent'] }],
  ]);
  assert.deepEqual(changed('conn-limit', 'none,64'), [
    ['none', {}],
    ['64', { connLimit: 64 }],
  ]);
  assert.deepEqual(base.load, { connections: NAT_DEFAULTS.connections });
  assert.deepEqual(base.natPorts, { low: 20000, high: 20000 + NAT_DEFAULTS.natPorts - 1 });
  // Every axis has defaults that make stages.
  for (const axis of NAT_AXES) assert.ok(natStagesOf({ axis }).length >= 2, axis);
  // A rate for every stage instead of a closed loop; a range for the NAT ports.
  assert.deepEqual(natStagesOf({ axis: 'pods', values: '1', rate: 300 })[0]!.load, { ratePerSec: 300 });
  assert.deepEqual(natStagesOf({ axis: 'pods', values: '1', natPorts: parseNatPorts('1024-65535') })[0]!.natPorts, {
    low: 1024,
    high: 65535,
  });
  assert.equal(parseNatPorts('16'), 16);
});

test('bad axis values and settings fail naming the option, before anything is made', () => {
  for (const [options, option, words] of [
    [{ axis: 'nat-ports', values: '4,x' }, '--values', /--values x: a NAT port count from 1 to 45536/],
    [{ axis: 'destinations', values: '0' }, '--values', /a destination address count/],
    [{ axis: 'pods', values: '5000' }, '--values', /a pod count from 1 to 4096/],
    [{ axis: 'rate', values: '-3' }, '--values', /new connections a second/],
    [{ axis: 'close', values: 'keepalive' }, '--values', /one of client, server, reset/],
    [{ axis: 'nat-flags', values: 'random+sticky' }, '--values', /none, or NAT flags joined with \+/],
    [{ axis: 'conn-limit', values: 'lots' }, '--values', /none, or a connection count/],
    [{ axis: 'pods', values: '1,,2' }, '--values', /a comma list/],
    [{ natPorts: 0 }, '--nat-ports', /a count from 1/],
    [{ natPorts: { low: 5000, high: 10 } }, '--nat-ports', /LOW-HIGH within 1-65535/],
    [{ rate: 0 }, '--rate', /above 0/],
  ] as const) {
    assert.throws(
      () => natStagesOf(options as Parameters<typeof natStagesOf>[0]),
      (e: unknown) => e instanceof PlanError && e.option === option && words.test(e.message),
      JSON.stringify(options),
    );
  }
  assert.throws(() => parseNatPorts('many'), /--nat-ports many: a count of ports, or LOW-HIGH/);
});

test("a profile: the system's ports and conntrack timeouts divided by one scale; per-source systems get a block per pod", () => {
  const aws = sceneProfileOf('aws-nat-gateway', '6.18.0');
  assert.deepEqual(
    [aws.scale, aws.ports, aws.perSource, aws.conntrackTimeouts],
    [Math.ceil(55_000 / PROFILE_PORTS), 16, false, { time_wait: 1, established: 1 }],
  );
  const gcp = sceneProfileOf('gcp-cloud-nat', '6.18.0');
  assert.deepEqual([gcp.scale, gcp.ports, gcp.perSource, gcp.conntrackTimeouts], [4, 16, true, { time_wait: 30, established: 300 }]);
  assert.deepEqual(sceneProfileOf('gcp-cloud-nat', '6.18.0', 1).conntrackTimeouts, { time_wait: 120, established: 1200 });
  // Linux from 6.5 states no hold of its own: conntrack's TIME_WAIT, scaled alike.
  assert.equal(sceneProfileOf('linux-masquerade', '6.18.0', 10).conntrackTimeouts['time_wait'], 12);
  assert.deepEqual(
    sceneProfileOf('cilium-egress-gateway', '6.18.0').conntrackTimeouts,
    {},
    'a system that states no timeouts: the kernel’s',
  );
  // Per source: the axis is the pods, each bringing its own 16 ports.
  const stages = natStagesOf({ profile: 'gcp-cloud-nat' }, '6.18.0');
  assert.deepEqual(
    stages.map((s) => [s.label, s.portsPerPod, s.natPorts.high - s.natPorts.low + 1]),
    [
      ['1', 16, 16],
      ['2', 16, 32],
      ['4', 16, 64],
    ],
  );
  // Shared: the NAT addresses, 16 ports each.
  const shared = natStagesOf({ profile: 'aws-nat-gateway' }, '6.18.0');
  assert.deepEqual(
    shared.map((s) => [s.label, s.natAddresses, s.portsPerPod, s.natPorts.high - s.natPorts.low + 1, s.conntrackTimeouts]),
    [
      ['1', 1, null, 16, { time_wait: 1, established: 1 }],
      ['2', 2, null, 16, { time_wait: 1, established: 1 }],
      ['4', 4, null, 16, { time_wait: 1, established: 1 }],
    ],
  );
  for (const [options, option] of [
    [{ profile: 'oracle' }, '--profile'],
    [{ profile: 'aws-nat-gateway', natPorts: 8 }, '--nat-ports'],
    [{ profile: 'aws-nat-gateway', axis: 'nat-ports' }, '--axis'],
    [{ scale: 10 }, '--scale'],
    [{ profile: 'aws-nat-gateway', scale: 0 }, '--scale'],
  ] as const)
    assert.throws(
      () => natStagesOf(options as Parameters<typeof natStagesOf>[0], '6.18.0'),
      (e: unknown) => e instanceof PlanError && e.option === option,
      JSON.stringify(options),
    );
});

test('a NAT stage is named by its axis wherever stages are listed (verdict, compare): not always as NAT ports', () => {
  const client = {} as RunResult;
  const result = {
    kind: 'nat',
    axis: 'destinations',
    stages: [
      { label: '1', client },
      { label: '2', client },
    ],
  } as unknown as NatResult;
  assert.deepEqual(
    runsOf(result).map((r) => r.name),
    ['stage destinations 1', 'stage destinations 2'],
  );
  const ports = {
    kind: 'nat',
    stages: [
      { label: '8', client },
      { label: 'full', client },
    ],
  } as unknown as NatResult;
  assert.deepEqual(
    runsOf(ports).map((r) => r.name),
    ['stage nat-ports 8', 'stage full range'],
  );
});
