import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerOf } from '../../src/env/netns-list.js';
import { newRegistries } from '../../src/metrics/registries.js';
import { RunMetrics } from '../../src/metrics/run-metrics.js';
import { WatchMetrics } from '../../src/metrics/watch-metrics.js';
import { watchPlanOf } from '../../src/plan/watch-plan.js';
import { PlanError } from '../../src/errors.js';
import type { NetnsLabel, WatchGroup, WatchNodeSample, WatchSample } from '../../src/result/watch-sample.js';
import { LATENCY_BOUNDS_US, type Progress } from '../../src/result/progress.js';

test('containerOf: the container id and pod uid a cgroup path names, as docker, containerd, CRI-O and the kubelet write them', () => {
  const id = 'a'.repeat(64);
  const cases: [string, string | null, string | null][] = [
    [`0::/system.slice/docker-${id}.scope`, id, null],
    [
      `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/cri-containerd-${id}.scope`,
      id,
      '1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901',
    ],
    [`12:memory:/kubepods/besteffort/pod1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901/${id}`, id, '1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901'],
    [`0::/machine.slice/libpod-${id}.scope`, id, null],
    ['0::/user.slice/user-0.slice/session-3.scope', null, null],
  ];
  for (const [cgroup, container, pod] of cases) assert.deepEqual(containerOf(cgroup), { container, pod }, cgroup);
});

const NS: NetnsLabel = { inode: 4026532177, pid: 4242, command: 'nginx', container: null, pod: 'p-1', own: false };

function group(destination: string, extra: Partial<WatchGroup> = {}): WatchGroup {
  return {
    source: '10.0.3.5',
    destination,
    destinationPort: 8080,
    established: 2,
    timeWait: 300,
    other: 1,
    held: 303,
    usablePorts: 898,
    heldShare: 303 / 898,
    newConnections: 50,
    newPerSec: 50,
    twReuse: false,
    holdSec: 60,
    exhaustionInSec: 10.96,
    steadyHeld: 3003,
    ...extra,
  };
}

function sample(groups: WatchGroup[], rest: WatchSample['rest']): WatchSample {
  return {
    kind: 'watch',
    schema: 1,
    version: 'test',
    startedAt: '2026-12-01T00:00:00.000Z',
    endedAt: '2026-12-01T00:00:01.000Z',
    interrupted: false,
    netns: NS,
    intervalMs: 1000,
    via: 'sock_diag',
    ports: {
      low: 40000,
      high: 40999,
      rangePorts: 1000,
      reservedInRange: 100,
      boundInRange: 2,
      boundSeen: 'listeners and bound-only sockets',
      usablePorts: 898,
    },
    timeWait: { twReuse: 0, twReuseDelayMs: 1000, timestamps: 1, timeWaitSec: 60 },
    totals: { sockets: 500, groups: groups.length + (rest?.groups ?? 0), established: 0, timeWait: 0, other: 0 },
    filters: { sources: [], destinations: [], top: 1 },
    groups,
    moreGroups: rest?.groups ?? 0,
    ...(rest ? { rest } : {}),
  } as unknown as WatchSample;
}

const line = (text: string, name: string): string | undefined => text.split('\n').find((l) => l.startsWith(name));

test('WatchMetrics: each group, the remainder past --top, the namespace and the read as series; a group that leaves goes; counters keep counting', async () => {
  const registries = newRegistries();
  const metrics = new WatchMetrics(registries);
  const rest = { groups: 3, established: 1, timeWait: 40, other: 0, held: 41, newConnections: 7 };
  const node: WatchNodeSample = {
    kind: 'watch-node',
    samples: [sample([group('10.0.9.1')], rest)],
    unreadable: [{ netns: { ...NS, inode: 4026532999, pid: null, command: null, pod: null }, error: 'EPERM' }],
  };
  metrics.update(node, { sequence: 1, startedAt: new Date(1_000_000), durationMs: 12 });
  let text = await registries.prometheus.metrics();
  const g = 'netns="4026532177",source="10.0.3.5",destination="10.0.9.1",destination_port="8080"';
  assert.equal(line(text, `portchurn_watch_ports_held{${g}}`), `portchurn_watch_ports_held{${g}} 303`);
  assert.equal(line(text, `portchurn_watch_exhaustion_seconds{${g}}`), `portchurn_watch_exhaustion_seconds{${g}} 10.96`);
  assert.equal(line(text, `portchurn_watch_sockets{${g},state="time_wait"}`), `portchurn_watch_sockets{${g},state="time_wait"} 300`);
  assert.equal(line(text, `portchurn_watch_new_connections_total{${g}}`), `portchurn_watch_new_connections_total{${g}} 50`);
  const r = 'netns="4026532177",source="rest",destination="rest",destination_port="rest"';
  assert.equal(line(text, `portchurn_watch_ports_held{${r}}`), `portchurn_watch_ports_held{${r}} 41`);
  assert.equal(line(text, `portchurn_watch_new_connections_total{${r}}`), `portchurn_watch_new_connections_total{${r}} 7`);
  assert.equal(
    line(text, 'portchurn_watch_namespace_info{netns="4026532177"'),
    'portchurn_watch_namespace_info{netns="4026532177",pid="4242",command="nginx",container="",pod="p-1"} 1',
  );
  assert.equal(line(text, 'portchurn_watch_namespace_up{netns="4026532999"}'), 'portchurn_watch_namespace_up{netns="4026532999"} 0');
  assert.equal(
    line(text, 'portchurn_watch_read_failures_total{netns="4026532999"}'),
    'portchurn_watch_read_failures_total{netns="4026532999"} 1',
  );
  assert.equal(line(text, 'portchurn_watch_read_duration_seconds'), 'portchurn_watch_read_duration_seconds 0.012');
  assert.equal(line(text, 'portchurn_watch_read_sequence'), 'portchurn_watch_read_sequence 1');

  // The next read: the group again with 20 more (its counter counts on), another not at any rate (no exhaustion series).
  metrics.update(
    {
      kind: 'watch-node',
      samples: [
        sample(
          [group('10.0.9.1', { newConnections: 20 }), group('10.0.9.2', { exhaustionInSec: null, steadyHeld: null, newConnections: 0 })],
          undefined,
        ),
      ],
      unreadable: [],
    },
    { sequence: 2, startedAt: new Date(1_001_000), durationMs: 10 },
  );
  text = await registries.prometheus.metrics();
  assert.equal(line(text, `portchurn_watch_new_connections_total{${g}}`), `portchurn_watch_new_connections_total{${g}} 70`);
  assert.equal(line(text, 'portchurn_watch_exhaustion_seconds{netns="4026532177",source="10.0.3.5",destination="10.0.9.2"'), undefined);
  assert.equal(line(text, `portchurn_watch_ports_held{${r}}`), undefined, 'no remainder this time');
  assert.equal(line(text, 'portchurn_watch_namespace_up{netns="4026532999"}'), undefined);
  // OpenMetrics, when asked.
  assert.match(await registries.openMetrics.metrics(), /# EOF\n$/);
});

test('RunMetrics: running totals become counters, errors by code, the latency buckets a histogram in seconds, by stage', async () => {
  const registries = newRegistries();
  const metrics = new RunMetrics(registries);
  const latency = { boundsUs: LATENCY_BOUNDS_US, counts: LATENCY_BOUNDS_US.map((b) => (b >= 1000 ? 90 : 0)), count: 90, sumUs: 45_000 };
  const base: Progress = {
    elapsedMs: 1000,
    attempts: 100,
    ok: 90,
    errors: 10,
    inFlight: 4,
    lastSecond: null,
    errorCodes: { EADDRNOTAVAIL: 10 },
    latency,
  };
  metrics.update({ stage: '1', value: '16' }, base);
  metrics.update({ stage: '1', value: '16' }, { ...base, attempts: 150, ok: 130, errorCodes: { EADDRNOTAVAIL: 15, TIMEOUT: 5 } });
  const text = await registries.prometheus.metrics();
  const s = 'stage="1",value="16"';
  assert.equal(line(text, `portchurn_run_attempts_total{${s}}`), `portchurn_run_attempts_total{${s}} 150`);
  assert.equal(line(text, `portchurn_run_ok_total{${s}}`), `portchurn_run_ok_total{${s}} 130`);
  assert.equal(
    line(text, `portchurn_run_errors_total{${s},code="EADDRNOTAVAIL"}`),
    `portchurn_run_errors_total{${s},code="EADDRNOTAVAIL"} 15`,
  );
  assert.equal(line(text, `portchurn_run_errors_total{${s},code="TIMEOUT"}`), `portchurn_run_errors_total{${s},code="TIMEOUT"} 5`);
  assert.equal(
    line(text, `portchurn_run_latency_seconds_bucket{${s},le="0.001"}`),
    `portchurn_run_latency_seconds_bucket{${s},le="0.001"} 90`,
  );
  assert.equal(
    line(text, `portchurn_run_latency_seconds_bucket{${s},le="0.0005"}`),
    `portchurn_run_latency_seconds_bucket{${s},le="0.0005"} 0`,
  );
  assert.equal(line(text, `portchurn_run_latency_seconds_sum{${s}}`), `portchurn_run_latency_seconds_sum{${s}} 0.045`);
});

test('watch options: --netns and --all-netns exclude each other, --metrics-listen is loopback unless allowed and serves until stopped', () => {
  const plan = watchPlanOf({ netns: '/run/netns/a,/proc/1/ns/net', metricsListen: '127.0.0.1:9323' });
  assert.deepEqual(
    [plan.netns, plan.allNetns, plan.metricsListen],
    [['/run/netns/a', '/proc/1/ns/net'], false, { host: '127.0.0.1', port: 9323 }],
  );
  const refused = (options: Parameters<typeof watchPlanOf>[0], option: string): void =>
    assert.throws(
      () => watchPlanOf(options),
      (e: unknown) => e instanceof PlanError && e.option === option,
      JSON.stringify(options),
    );
  refused({ netns: '/run/netns/a', allNetns: true }, '--netns');
  refused({ metricsListen: '0.0.0.0:9323' }, '--metrics-listen');
  refused({ metricsListen: '127.0.0.1:9323', once: true }, '--metrics-listen');
  refused({ netns: '/run/netns/a', via: 'proc' }, '--via');
  assert.deepEqual(watchPlanOf({ metricsListen: '0.0.0.0:9323', allowRemote: true }).metricsListen, { host: '0.0.0.0', port: 9323 });
});
