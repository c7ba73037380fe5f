// `portchurn nat` end to end against the real nft and conntrack: a NAT port range smaller than the
// connections open at once drops SYNs at the router (insert_failed, drop) and shows as 1 s
// retransmits, not as an errno; a range larger than them lets the rate through (on Linux 6.5+ a
// new SYN takes a mapping in TIME_WAIT back). An interrupted run keeps its stages and leaves no
// scene behind. Counts and structure; the one rate comparison is a factor of ten, where the
// retransmits cost a second each.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { natScenario } from '../../src/nat/nat-scenario.js';
import { natAddressOf } from '../../src/model/nat-address.js';
import { synResendsAtSec } from '../../src/model/syn-backoff.js';
import { release } from 'node:os';
import type { NatResult } from '../../src/result/nat-result.js';
import { runCli } from '../helpers/cli.js';
import { engineReady } from '../helpers/engines.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';

const HAS_NFT = spawnSync('nft', ['--version']).status === 0;
const NEEDS = 'needs root and nft (apt-get install nftables), and the native addon';

/** Scenes of this process (or, `any`, of any process: the CLI's run in a child of its own). */
function scenesLeft(any = false): string[] {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(any ? 'pcnat-' : `pcnat-${process.pid}-`));
}

test('[native] 4 NAT ports against 16 connections open at once: SYNs dropped at the router and retried at 1 s; 64 ports let the load through', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && HAS_NFT, NEEDS) || !engineReady(t, 'native')) return;
  const result = await natScenario({ values: '4,64', reference: false, pods: 2, connections: 16, duration: '2s' });
  const [four, sixtyFour] = result.stages;
  assert.deepEqual(
    result.stages.map((s) => [s.label, s.natPorts.low, s.natPorts.high, s.model.mappings]),
    [
      ['4', 20000, 20003, 4],
      ['64', 20000, 20063, 64],
    ],
  );
  const destination = result.scene.destination.host;
  assert.deepEqual(four!.model.natAddressesUsed, [natAddressOf('198.18.0.1', destination, '198.19.0.1', '198.19.0.1')]);
  assert.ok(four!.conntrack.delta.insertFailed > 0, 'SYNs that found no mapping');
  assert.ok(four!.conntrack.delta.drop > 0, 'and were dropped');
  assert.ok(four!.connectRetransmits.atLeast1s > 0, 'connects that waited for a retransmit');
  const held = four!.conntrack.heldAtEnd.reduce((n, m) => n + m.total, 0);
  assert.ok(held <= 4, `never more than the 4 mappings held (${held})`);
  assert.ok(four!.conntrack.perSecond.length >= 1 && four!.conntrack.perSecond.every((s) => s.total <= 4), 'each second within the 4');
  assert.equal(four!.limitedBy, 'nat-ports');
  assert.notEqual(sixtyFour!.limitedBy, 'nat-ports');
  assert.match(four!.reading, /16 connections open at once against 4 mappings: the rest of the SYNs found none \([\d,]+ insert_failed/);
  // Connection by connection (the native engine's TCP_INFO): the SYN retransmits add up to the pods' namespace counter.
  const perConnection = four!.client.synRetransmits!;
  assert.equal(
    perConnection.reduce((a, n) => a + n, 0),
    four!.client.totals.attempts,
    'every attempt read',
  );
  assert.ok(
    perConnection.slice(1).some((n) => n > 0),
    `connections that retransmitted their SYN: ${perConnection.join(',')}`,
  );
  assert.equal(
    perConnection.reduce((a, n, k) => a + n * k, 0),
    four!.client.kernel!.tcpExt.TCPSynRetrans,
    'the per-connection SYN retransmits add up to TcpExt TCPSynRetrans',
  );
  assert.match(four!.reading, /per connection \(TCP_INFO\): [\d,]+ with (one|two|three)/);
  // Most of the 4-port stage's connection time goes to waiting for resends; the reading says its ok/s is unstable then.
  const share = /(\d+) % of the connections' time went to waiting for resends/.exec(four!.reading);
  assert.ok(share !== null && Number(share[1]) > 50, `the waiting share, said: ${four!.reading.slice(-400)}`);
  assert.doesNotMatch(sixtyFour!.reading, /went to waiting for resends/);
  // No connection resent its SYN more often than the kernel's backoff allows within the 5 s timeout
  // (and one at least as often as it allows before 3 s: the linear timeouts of Linux 6.7+ show).
  const resends = synResendsAtSec(release());
  assert.ok(perConnection.length - 1 <= resends.filter((t) => t <= 5).length, `at most ${perConnection.length - 1} resends`);
  assert.ok(
    perConnection.length - 1 >= resends.filter((t) => t < 3).length,
    `up to ${perConnection.length - 1} resends: ${perConnection.join(',')}`,
  );
  assert.ok(
    sixtyFour!.client.totals.ok > 10 * four!.client.totals.ok,
    `64 ports: ${sixtyFour!.client.totals.ok} ok against ${four!.client.totals.ok} with 4`,
  );
  assert.equal(sixtyFour!.client.totals.errorCount, 0);
  const sixtyFourPer = sixtyFour!.client.synRetransmits!;
  assert.equal(
    sixtyFourPer.reduce((a, n) => a + n, 0),
    sixtyFour!.client.totals.attempts,
  );
  assert.equal(
    sixtyFourPer.reduce((a, n, k) => a + n * k, 0),
    sixtyFour!.client.kernel!.tcpExt.TCPSynRetrans,
  );
  assert.deepEqual(scenesLeft(), [], 'every scene removed');
});

test('[native] an interrupted nat run returns what it measured and leaves no scene', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && HAS_NFT, NEEDS) || !engineReady(t, 'native')) return;
  const controller = new AbortController();
  const result = await natScenario(
    { values: '8,16,32', reference: false, connections: 8, duration: '5s' },
    // The first second of the first stage's load: stop.
    { signal: controller.signal, onProgress: () => controller.abort() },
  );
  assert.equal(result.interrupted, true);
  assert.equal(result.stages.length, 1, 'the stage that was running, and no other');
  assert.ok(result.stages[0]!.client.totals.attempts > 0);
  assert.deepEqual(scenesLeft(), []);
});

test('[native] portchurn nat: the table, each reading, the verdict, the JSON and its Markdown; bad input exits 2 before any scene', async (t) => {
  const bad = await runCli(['nat', '--values', '4,x']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--values x: a NAT port count/);
  for (const [args, said] of [
    [['--profile', 'nope'], /--profile nope: one of linux-masquerade, aws-nat-gateway/],
    [['--profile', 'aws-nat-gateway', '--nat-ports', '8'], /the profile aws-nat-gateway sets the NAT ports/],
    [['--axis', 'close', '--values', 'keepalive'], /--values keepalive: one of client, server, reset/],
    [['--nat-ports', '30000-20000'], /--nat-ports 30000-20000: LOW-HIGH within 1-65535/],
    [['--destination-ports', '80,x'], /--destination-ports must be a positive whole number/],
    [['--scale', '3'], /--scale applies to a --profile/],
  ] as const) {
    const refused = await runCli(['nat', ...args]);
    assert.equal(refused.status, 2, args.join(' '));
    assert.match(refused.stderr, said);
    assert.equal(refused.stderr.trim().split('\n').length, 1, 'one line');
  }
  assert.deepEqual(scenesLeft(true), [], 'nothing made');
  if (!prerequisite(t, CAN_UNSHARE && HAS_NFT, NEEDS) || !engineReady(t, 'native')) return;
  const out = mkdtempSync(join(tmpdir(), 'portchurn-nat-'));
  try {
    const run = await runCli(['nat', '--values', '4', '--no-reference', '-d', '1s', '-c', '8', '--out', out]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^ {2}nat-ports\s+NAT ports\s+NAT addresses\s+mappings\s+ok\/s/m);
    assert.match(run.stdout, /^ {2}stage 4: NAT: 1 NAT address/m);
    assert.match(run.stdout, /verdict\s+PASSED/);
    const json = readdirSync(out).find((f) => f.startsWith('nat-') && f.endsWith('.json'))!;
    const result = JSON.parse(readFileSync(join(out, json), 'utf8')) as NatResult;
    assert.equal(result.kind, 'nat');
    assert.equal(result.stages.length, 1);
    assert.ok(existsSync(join(out, json.replace(/\.json$/, '.md'))));
    assert.match(readFileSync(join(out, json.replace(/\.json$/, '.md')), 'utf8'), /\*\*Verdict: PASSED/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  assert.deepEqual(scenesLeft(true), []);
});

test('[native] --axis nat-addresses: each stage maps to more NAT addresses; each pod on the one the kernel hashes it to, each address holding at most its ports', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && HAS_NFT, NEEDS) || !engineReady(t, 'native')) return;
  const result = await natScenario({ axis: 'nat-addresses', values: '1,2', natPorts: 4, pods: 8, connections: 16, duration: '2s' });
  assert.equal(result.axis, 'nat-addresses');
  const [one, two] = result.stages;
  assert.deepEqual(
    result.stages.map((s) => [s.label, s.natAddresses, s.natPorts.high - s.natPorts.low + 1]),
    [
      ['1', 1, 4],
      ['2', 2, 4],
    ],
  );
  const destination = result.scene.destination.host;
  const pods = Array.from({ length: 8 }, (_, i) => `198.18.0.${i + 1}`);
  const expected: Record<string, number> = {};
  for (const p of pods) {
    const a = natAddressOf(p, destination, '198.19.0.1', '198.19.0.2');
    expected[a] = (expected[a] ?? 0) + 1;
  }
  assert.deepEqual(two!.model.destinations[0]!.podsPerAddress, expected, "the model's spread is the kernel's hash");
  assert.equal(one!.model.mappings, 4);
  assert.equal(two!.model.mappings, 4 * Object.keys(expected).length);
  for (const stage of [one!, two!]) {
    const held = new Map<string, number>();
    for (const m of stage.conntrack.heldAtEnd) held.set(m.natAddress, (held.get(m.natAddress) ?? 0) + m.total);
    assert.deepEqual([...held.keys()].sort(), [...stage.model.natAddressesUsed].sort(), 'mappings only on the addresses the pods hash to');
    for (const [address, n] of held) assert.ok(n <= 4, `${address} holds ${n} of its 4 ports`);
  }
  assert.deepEqual(scenesLeft(), []);
});

test('[native] a conntrack table limit (ct count over 8) drops SYNs before any mapping is sought: the rule counts them, the NAT counts none, the model names the limit', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && HAS_NFT, NEEDS) || !engineReady(t, 'native')) return;
  const limited = await natScenario({ values: '64', reference: false, connLimit: 8, connections: 16, duration: '2s' });
  const [stage] = limited.stages;
  assert.match(stage!.ruleset, /ct state new ct count over 8 counter drop/);
  assert.equal(stage!.model.connectionLimit, 8);
  assert.equal(stage!.limitedBy, 'conn-limit');
  assert.ok((stage!.limitDrops ?? 0) > 0, 'the limit dropped SYNs');
  // With 64 ports for 16 connections the NAT refuses next to none (a rare clash of two SYNs
  // racing for one port on two CPUs is still an insert_failed): the limit dropped them.
  assert.ok(
    stage!.conntrack.delta.insertFailed * 10 < stage!.limitDrops!,
    `the limit dropped ${stage!.limitDrops}, the NAT refused ${stage!.conntrack.delta.insertFailed}`,
  );
  assert.match(
    stage!.reading,
    /the table limit \(ct count over 8\) let that many connections be tracked at once and dropped [\d,]+ SYNs past it/,
  );
  const open = await natScenario({ values: '64', reference: false, connections: 16, duration: '2s' });
  assert.equal(open.stages[0]!.limitDrops, null);
  assert.equal(open.stages[0]!.model.connectionLimit, null);
  assert.ok(open.stages[0]!.client.totals.ok > 10 * stage!.client.totals.ok, 'the limit, not the ports, held the rate');
  assert.deepEqual(scenesLeft(), []);
});

test('[native] without a random flag a pod keeps its own port inside the NAT range; fully-random draws every port, as the model says', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && HAS_NFT, NEEDS) || !engineReady(t, 'native')) return;
  // 200 new connections a second for 1 s: a nearly empty range, where every pod port is free.
  const result = await natScenario({
    axis: 'nat-flags',
    values: 'none,fully-random',
    natPorts: { low: 1024, high: 65535 },
    pods: 2,
    rate: 200,
    duration: '1s',
  });
  const [none, random] = result.stages;
  assert.equal(none!.model.portKeptShare, 1, "the pods' ports lie in the range");
  assert.equal(random!.model.portKeptShare, 1 / 64512, 'only by chance');
  assert.match(random!.ruleset, /snat to 198\.19\.0\.1:1024-65535 fully-random/);
  for (const stage of [none!, random!]) {
    const held = stage.conntrack.heldAtEnd.reduce((n, m) => n + m.total, 0);
    assert.ok(held >= 100, `${stage.label}: ${held} mappings held (each connection's, in TIME_WAIT)`);
    const kept = stage.conntrack.portKeptAtEnd!;
    const share = kept / held;
    if (stage.label === 'none') assert.ok(share >= 0.9, `none: ${kept} of ${held} kept the pod's port`);
    else assert.ok(kept <= 2, `fully-random: ${kept} of ${held} kept the pod's port`);
    assert.match(
      stage.reading,
      new RegExp(`${kept.toLocaleString('en-US')} of the ${held.toLocaleString('en-US')} mappings held kept the pod's own port`),
    );
  }
  assert.deepEqual(scenesLeft(), []);
});

test('[native] --axis destinations: each destination has a budget of its own, spread by the hash seeded with it', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && HAS_NFT, NEEDS) || !engineReady(t, 'native')) return;
  const result = await natScenario({
    axis: 'destinations',
    values: '1,2',
    pods: 8,
    natAddresses: 2,
    natPorts: 4,
    connections: 32,
    duration: '2s',
  });
  const [one, two] = result.stages;
  assert.deepEqual(one!.settings!.destinations, ['198.19.128.1']);
  assert.deepEqual(two!.settings!.destinations, ['198.19.128.1', '198.19.128.2']);
  for (const stage of [one!, two!]) {
    const held = new Map<string, number>();
    for (const m of stage.conntrack.heldAtEnd)
      held.set(`${m.natAddress}>${m.destination}`, (held.get(`${m.natAddress}>${m.destination}`) ?? 0) + m.total);
    const modelled = stage.model.destinations.flatMap((d) => Object.keys(d.podsPerAddress).map((a) => `${a}>${d.destination}`)).sort();
    assert.deepEqual(
      [...held.keys()].sort(),
      modelled,
      `${stage.label}: mappings on exactly the (NAT address, destination) pairs the hash gives`,
    );
    for (const [pair, n] of held) assert.ok(n <= 4, `${pair} holds ${n} of its 4 ports`);
    assert.ok(stage.conntrack.delta.insertFailed > 0, `${stage.label}: 32 open against ${stage.model.mappings} mappings`);
  }
  const total = (s: typeof one) => s!.conntrack.heldAtEnd.reduce((n, m) => n + m.total, 0);
  assert.ok(total(two) > total(one), `a second destination holds more mappings (${total(two)} against ${total(one)})`);
  assert.equal(two!.model.mappings, two!.model.destinations[0]!.mappings + two!.model.destinations[1]!.mappings);
  assert.deepEqual(scenesLeft(), []);
});

test('[native] --axis close: the client or the server closing first leaves the mapping in TIME_WAIT, a reset in CLOSE', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && HAS_NFT, NEEDS) || !engineReady(t, 'native')) return;
  const result = await natScenario({ axis: 'close', values: 'client,server,reset', natPorts: 64, connections: 4, duration: '1s' });
  const states = result.stages.map((s) => {
    const by: Record<string, number> = {};
    for (const m of s.conntrack.heldAtEnd) for (const [state, n] of Object.entries(m.byState)) by[state] = (by[state] ?? 0) + n;
    return [
      s.label,
      s.model.holdSec,
      Object.keys(by)
        .filter((k) => by[k]! > 0)
        .sort(),
    ];
  });
  assert.deepEqual(states, [
    ['client', 120, ['TIME_WAIT']],
    ['server', 120, ['TIME_WAIT']],
    ['reset', 10, ['CLOSE']],
  ]);
  // Whose FIN came first shows in the pods' own TIME_WAIT (TcpExt TW): only where the client closed.
  const podTimeWait = result.stages.map((s) => [s.label, (s.client.kernel?.tcpExt.TW ?? 0) > 0]);
  assert.deepEqual(podTimeWait, [
    ['client', true],
    ['server', false],
    ['reset', false],
  ]);
  assert.match(result.stages[1]!.model.formula, /TIME_WAIT, where the server's FIN leaves it/);
  assert.match(result.stages[2]!.model.formula, /CLOSE, where the reset leaves it/);
  assert.deepEqual(scenesLeft(), []);
});

test("[native] --profile gcp-cloud-nat: a rule and a block of 16 ports per pod, the router's TIME_WAIT scaled alike; one pod runs out where four do not", async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && HAS_NFT, NEEDS) || !engineReady(t, 'native')) return;
  const result = await natScenario({ profile: 'gcp-cloud-nat', values: '1,4', connections: 24, duration: '2s' });
  assert.equal(result.axis, 'pods', 'a per-source system sweeps the pods');
  assert.deepEqual(
    [result.scene.profile!.name, result.scene.profile!.scale, result.scene.profile!.ports, result.scene.profile!.perSource],
    ['gcp-cloud-nat', 4, 16, true],
  );
  const [one, four] = result.stages;
  assert.deepEqual(one!.settings!.conntrackTimeouts, { time_wait: 30, established: 300 }, 'read back from the router');
  assert.equal(four!.ruleset.match(/snat to/g)!.length, 4, 'a rule per pod');
  assert.match(four!.ruleset, /ip saddr 198\.18\.0\.4 meta l4proto tcp snat to 198\.19\.0\.1:20048-20063/);
  assert.deepEqual([one!.model.mappings, four!.model.mappings, four!.model.portsPerPod], [16, 64, 16]);
  const held = (s: typeof one) => s!.conntrack.heldAtEnd.reduce((n, m) => n + m.total, 0);
  assert.ok(held(one) <= 16, `one pod holds at most its 16 (${held(one)})`);
  assert.equal(one!.limitedBy, 'pod-ports');
  assert.ok(one!.conntrack.delta.insertFailed > 0);
  assert.notEqual(four!.limitedBy, 'pod-ports');
  assert.match(one!.reading, /1 pod x 16 ports each, apart/);
  assert.deepEqual(scenesLeft(), []);
});

test('[native] --axis destination-ports: each destination port is a budget of its own on the same address', async (t) => {
  if (!prerequisite(t, CAN_UNSHARE && HAS_NFT, NEEDS) || !engineReady(t, 'native')) return;
  const result = await natScenario({ axis: 'destination-ports', values: '2', natPorts: 4, connections: 16, duration: '2s' });
  const [stage] = result.stages;
  assert.deepEqual(stage!.settings!.destinationPorts, [80, 81]);
  assert.equal(stage!.model.mappings, 8, '4 ports x 2 destination ports');
  const byPort = new Map<number, number>();
  for (const m of stage!.conntrack.heldAtEnd) byPort.set(m.port, (byPort.get(m.port) ?? 0) + m.total);
  assert.deepEqual([...byPort.keys()].sort(), [80, 81], 'the load turned over both ports');
  for (const [port, n] of byPort) assert.ok(n <= 4, `port ${port}: ${n} of its 4 mappings`);
  assert.ok([...byPort.values()].reduce((a, b) => a + b, 0) > 4, 'more than one port range held');
  assert.deepEqual(scenesLeft(), []);
});
