// The NAT scene against the real ip, nft and conntrack: pods behind a router whose nftables rule
// rewrites their source to a 10-port range. Held connections: exactly 10 per (NAT address,
// destination) get through, the rest are never answered (no errno: the router drops their SYNs),
// and conntrack in the router holds exactly those 10. A spec that cannot work, a missing nft and an
// interrupted process leave nothing behind.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NatSceneError, PlanError } from '../../src/errors.js';
import { makeNatScene, type NatScene } from '../../src/nat/scene.js';
import { natAddressOf } from '../../src/model/nat-address.js';
import { readConntrack } from '../../src/env/conntrack.js';
import { runCli } from '../helpers/cli.js';
import type { WatchNodeSample } from '../../src/result/watch-sample.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';
import { conntrackStats, holdConnections, holdingServer, TEN_PORTS } from '../helpers/nat-scene.js';
import { followOutput } from '../helpers/events.js';

const HAS_NFT = spawnSync('nft', ['--version']).status === 0;
const HAS_CONNTRACK = spawnSync('conntrack', ['--version']).status === 0;
const NEEDS = 'needs root, nft and conntrack (apt-get install nftables conntrack)';

function ourNamespaces(): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(`pcnat-${process.pid}-`));
}

/** conntrack's view in the router: each held mapping's pod (original source), NAT address and port (reply destination). */
function conntrackMappings(scene: NatScene): { pod: string; nat: string; port: number; state: string }[] {
  const out = spawnSync('ip', ['netns', 'exec', scene.router, 'conntrack', '-L', '-p', 'tcp'], { encoding: 'utf8' });
  return [
    ...out.stdout.matchAll(/^tcp\s+\d+\s+\d+\s+(\S+)\s+src=(\S+) dst=\S+ sport=\d+ dport=\d+ .*?src=\S+ dst=(\S+) sport=\d+ dport=(\d+)/gm),
  ].map((m) => ({ state: m[1]!, pod: m[2]!, nat: m[3]!, port: Number(m[4]) }));
}

test('a 10-port snat range, connections held: exactly 10 per (NAT address, destination), the rest never answered, conntrack holding those 10 on each port of the range', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && HAS_NFT && HAS_CONNTRACK, NEEDS)) return;
  const scene = await makeNatScene(TEN_PORTS);
  const server = await holdingServer(scene);
  try {
    assert.match(scene.ruleset, /snat to 198\.19\.0\.1:20000-20009/);
    const [pod, host] = [scene.plan.pods[0]!, scene.plan.servers[0]!];
    const client = await holdConnections(scene, [
      { pod, host, port: 80, count: 15 },
      { pod, host, port: 81, count: 15 },
    ]);
    try {
      const [first, second] = client.counts;
      assert.deepEqual(first, { established: 10, unanswered: 5 }, 'no errno: the router drops the SYNs it cannot map');
      assert.deepEqual(second, { established: 10, unanswered: 5 }, 'another destination port, another 10');
      const held = conntrackMappings(scene).filter((m) => m.state === 'ESTABLISHED');
      assert.equal(held.length, 20, 'conntrack holds the 20');
      // portchurn's own reader (ctnetlink, from a socket made in the router's namespace) against conntrack-tools.
      const ours = readConntrack(`/run/netns/${scene.router}`);
      assert.deepEqual(
        ours.mappings.map((m) => [m.natAddress, m.destination, m.port, m.byState]),
        [
          ['198.19.0.1', host, 80, { ESTABLISHED: 10 }],
          ['198.19.0.1', host, 81, { ESTABLISHED: 10 }],
        ],
      );
      assert.equal(ours.complete, true);
      const tools = conntrackStats(scene.router);
      assert.ok(tools.insert_failed! > 0, 'the SYNs that found no mapping were counted');
      assert.equal(ours.stats.insertFailed, tools.insert_failed, 'insert_failed as conntrack -S prints it');
      assert.equal(ours.stats.drop, tools.drop, 'drop as conntrack -S prints it');
      assert.equal(ours.stats.cpus, tools.cpus);
      // portchurn watch sees the router's NAT: each mapping against its rule's range, and conntrack's counters.
      const watched = await runCli(['watch', '--netns', `/run/netns/${scene.router}`, '--once', '--interval', '200ms', '--json']);
      assert.equal(watched.status, 0, watched.stderr);
      const node = JSON.parse(watched.stdout) as WatchNodeSample;
      const nat = node.samples[0]!.nat!;
      assert.deepEqual(nat.rules, [{ kind: 'snat', addresses: ['198.19.0.1', '198.19.0.1'], ports: [20000, 20009], flags: [] }]);
      assert.deepEqual(
        nat.mappings.map((m) => [m.natAddress, m.destination, m.destinationPort, m.held, m.rangePorts, m.heldShare]),
        [
          ['198.19.0.1', host, 80, 10, 10, 1],
          ['198.19.0.1', host, 81, 10, 10, 1],
        ],
      );
      assert.equal(nat.stats.insertFailed, tools.insert_failed);
      assert.equal(nat.stats.drop, tools.drop);
      assert.deepEqual(
        held.map((m) => m.port).sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => 20000 + Math.floor(i / 2)),
        'each port of the range once per destination',
      );
    } finally {
      await client.release();
    }
  } finally {
    server.stop();
    await scene.remove();
  }
  assert.deepEqual(ourNamespaces(), [], 'the scene is gone');
});

for (const persistent of [false, true])
  test(`two NAT addresses${persistent ? ', persistent' : ''}: each pod on the address the kernel's hash gives it (the model's natAddressOf), 10 per NAT address, a pod never spread over both`, async (t) => {
    if (!prerequisite(t, CAN_UNSHARE && HAS_NFT && HAS_CONNTRACK, NEEDS)) return;
    const scene = await makeNatScene({
      ...TEN_PORTS,
      pods: 8,
      natAddresses: 2,
      destinationPorts: [80],
      flags: persistent ? ['persistent'] : [],
    });
    const server = await holdingServer(scene);
    try {
      assert.match(scene.ruleset, /snat to 198\.19\.0\.1-198\.19\.0\.2:20000-20009/);
      const host = scene.plan.servers[0]!;
      const [first, last] = [scene.plan.natAddresses[0]!, scene.plan.natAddresses[1]!];
      const predicted = new Map(scene.plan.pods.map((pod) => [pod, natAddressOf(pod, host, first, last, persistent)]));
      const used = new Set(predicted.values()).size;
      const client = await holdConnections(
        scene,
        scene.plan.pods.map((pod) => ({ pod, host, port: 80, count: 4 })),
      );
      try {
        const established = client.counts.reduce((n, c) => n + c.established, 0);
        assert.equal(established, 10 * used, `10 per NAT address the hash uses (${used})`);
        const held = conntrackMappings(scene).filter((m) => m.state === 'ESTABLISHED');
        assert.equal(held.length, established);
        for (const m of held) assert.equal(m.nat, predicted.get(m.pod), `${m.pod} mapped where the model says`);
        for (const nat of new Set(predicted.values())) assert.equal(held.filter((m) => m.nat === nat).length, 10, `${nat} holds 10`);
      } finally {
        await client.release();
      }
    } finally {
      server.stop();
      await scene.remove();
    }
  });

test('ports per pod (a rule per pod, as a per-VM allocation): each pod maps into its own block, 4 each; the conntrack timeouts set in the router alone', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && HAS_NFT && HAS_CONNTRACK, NEEDS)) return;
  const hostTimeWait = spawnSync('sysctl', ['-n', 'net.netfilter.nf_conntrack_tcp_timeout_time_wait'], { encoding: 'utf8' }).stdout.trim();
  const scene = await makeNatScene({
    ...TEN_PORTS,
    pods: 2,
    natPorts: { low: 20000, high: 20007 },
    portsPerPod: 4,
    destinationPorts: [80],
    conntrackTimeouts: { time_wait: 7, established: 90 },
  });
  const server = await holdingServer(scene);
  try {
    assert.match(scene.ruleset, /ip saddr 198\.18\.0\.1 meta l4proto tcp snat to 198\.19\.0\.1:20000-20003/);
    assert.match(scene.ruleset, /ip saddr 198\.18\.0\.2 meta l4proto tcp snat to 198\.19\.0\.1:20004-20007/);
    assert.deepEqual(scene.conntrackTimeouts, { time_wait: 7, established: 90 });
    const inRouter = spawnSync('ip', ['netns', 'exec', scene.router, 'sysctl', '-n', 'net.netfilter.nf_conntrack_tcp_timeout_time_wait'], {
      encoding: 'utf8',
    }).stdout.trim();
    assert.equal(inRouter, '7');
    const host = scene.plan.servers[0]!;
    const client = await holdConnections(
      scene,
      scene.plan.pods.map((pod) => ({ pod, host, port: 80, count: 6 })),
    );
    try {
      assert.deepEqual(
        client.counts,
        [
          { established: 4, unanswered: 2 },
          { established: 4, unanswered: 2 },
        ],
        'each pod its own 4 ports, whatever the other left free',
      );
      const held = conntrackMappings(scene).filter((m) => m.state === 'ESTABLISHED');
      for (const m of held) {
        const block = m.pod === '198.18.0.1' ? [20000, 20003] : [20004, 20007];
        assert.ok(m.port >= block[0]! && m.port <= block[1]!, `${m.pod} mapped to ${m.port}, inside its block ${block.join('-')}`);
      }
      assert.equal(held.length, 8);
    } finally {
      await client.release();
    }
  } finally {
    server.stop();
    await scene.remove();
  }
  const after = spawnSync('sysctl', ['-n', 'net.netfilter.nf_conntrack_tcp_timeout_time_wait'], { encoding: 'utf8' }).stdout.trim();
  assert.equal(after, hostTimeWait, "the host's own timeout untouched");
});

test('a spec that cannot work fails before anything is made; a missing nft says so and leaves nothing', async (t) => {
  await assert.rejects(makeNatScene({ ...TEN_PORTS, natPorts: { low: 20010, high: 20000 } }), PlanError);
  await assert.rejects(makeNatScene({ ...TEN_PORTS, kind: 'masquerade', natAddresses: 2 }), /masquerade maps to the router's own address/);
  await assert.rejects(makeNatScene({ ...TEN_PORTS, flags: ['random', 'fully-random'] }), /choose one/);
  assert.deepEqual(ourNamespaces(), []);
  if (!prerequisite(t, CAN_UNSHARE, 'needs root for namespaces')) return;
  // A PATH with ip and sysctl but no nft: the scene is made up to the rules, then removed.
  const bin = await mkdtemp(join(tmpdir(), 'portchurn-nonft-'));
  try {
    for (const tool of ['ip', 'sysctl']) {
      const where = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      await symlink(where, join(bin, tool));
    }
    const scene = fileURLToPath(new URL('../../src/nat/scene.js', import.meta.url));
    const out = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { makeNatScene } from ${JSON.stringify(scene)};
try { await makeNatScene(${JSON.stringify(TEN_PORTS)}); } catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message })); }
const left = (await import('node:child_process')).spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\\n').filter((l) => l.startsWith('pcnat-' + process.pid));
console.log(JSON.stringify(left));`,
      ],
      { encoding: 'utf8', env: { ...process.env, PATH: bin } },
    );
    const [error, left] = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(error, { name: 'NatSceneError', message: 'nft is not installed (apt-get install nftables)' }, out.stderr);
    assert.deepEqual(left, [], 'no namespace left');
    assert.ok(NatSceneError.name === 'NatSceneError');
  } finally {
    await rm(bin, { recursive: true, force: true });
  }
});

test('an interrupted process that made a scene leaves no namespace, link or rule behind', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && HAS_NFT, NEEDS)) return;
  const scene = fileURLToPath(new URL('../../src/nat/scene.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { makeNatScene } from ${JSON.stringify(scene)};
process.on('SIGTERM', () => process.exit(143));
const s = await makeNatScene(${JSON.stringify(TEN_PORTS)});
console.log(JSON.stringify([s.client, s.router, s.server]));
setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out = followOutput(child);
  await out.printed(']', 15_000);
  const names = JSON.parse(out.stdout().trim()) as string[];
  const listed = (): string[] =>
    spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((l) => l.split(' ')[0]!);
  assert.ok(
    names.every((n) => listed().includes(n)),
    'the scene exists while the process runs',
  );
  child.kill('SIGTERM');
  assert.equal(await out.exited, 143);
  assert.deepEqual(
    names.filter((n) => listed().includes(n)),
    [],
    'every namespace (and with it every veth, address and rule) is gone',
  );
});
