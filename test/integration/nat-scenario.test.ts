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
  assert.match(four!.reading, /16 connections open at once against 4 mappings: the rest of the SYNs found none \([\d,]+ insert_failed/);
  assert.ok(
    sixtyFour!.client.totals.ok > 10 * four!.client.totals.ok,
    `64 ports: ${sixtyFour!.client.totals.ok} ok against ${four!.client.totals.ok} with 4`,
  );
  assert.equal(sixtyFour!.client.totals.errorCount, 0);
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
  if (!prerequisite(t, CAN_UNSHARE && HAS_NFT, NEEDS) || !engineReady(t, 'native')) return;
  const out = mkdtempSync(join(tmpdir(), 'portchurn-nat-'));
  try {
    const run = await runCli(['nat', '--values', '4', '--no-reference', '-d', '1s', '-c', '8', '--out', out]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^ {2}stage\s+NAT ports\s+NAT addresses\s+mappings\s+ok\/s/m);
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
  assert.deepEqual(two!.model.podsPerAddress, expected, "the model's spread is the kernel's hash");
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
  assert.ok((stage!.limitDrops ?? 0) > 0, 'the limit dropped SYNs');
  assert.equal(stage!.conntrack.delta.insertFailed, 0, 'with 64 ports for 16 connections the NAT refused none');
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
