/**
 * The ctnetlink reader's cost per NAT mapping and its memory at 100,000 mappings and more
 * (npm run bench:conntrack, root; also the last part of npm run bench when root):
 *   node dist/bench/conntrack-reader.js [--seconds 20] [--entries 100000] [--reads 5]
 * A NAT scene mapping to 1024-65535 on two NAT addresses, non-keepalive load from 8 pods for
 * --seconds (each closed connection's mapping stays in conntrack's TIME_WAIT, so they add up);
 * then, where that made fewer than --entries, UDP datagrams from the pods to distinct destination
 * ports top the table up (the router NATs UDP too for the bench; the servers' namespace drops it
 * unanswered, and conntrack's UDP timeout in the router is 300 s so nothing expires meanwhile).
 * Then the router's conntrack read --reads times: ms per read, ns per entry, and the process's
 * RSS before and after the reads (the dump is streamed: its memory should not grow with the table).
 * Everything it makes is in the scene's namespaces and goes with them.
 */
import { parseArgs } from 'node:util';
import { readConntrack } from '../src/env/conntrack.js';
import { buildPlan } from '../src/plan/build-plan.js';
import { execFile } from 'node:child_process';
import { inNamespace, makeNatScene, type NatScene } from '../src/nat/scene.js';
import type { RunResult } from '../src/result/result.js';
import type { TargetStats } from '../src/result/target-stats.js';
import { runJobInNamespace } from '../src/runner/run-in-namespace.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    entries: { type: 'string', default: '100000' },
    reads: { type: 'string', default: '5' },
  },
});
const seconds = Number(values.seconds);
const entries = Number(values.entries);
const reads = Number(values.reads);

/**
 * UDP datagrams from each pod to `count` destination ports in all (one socket per pod, each
 * datagram a conntrack entry of its own), sent from a child in the pods' namespace; resolves when
 * the child has sent them all.
 */
function topUpWithUdp(scene: NatScene, count: number): Promise<void> {
  const pods = scene.plan.pods;
  const perPod = Math.ceil(count / pods.length);
  const script = `
const dgram = require('node:dgram');
const [pods, host, perPod] = JSON.parse(process.argv[1]);
let open = pods.length;
for (const pod of pods) {
  const s = dgram.createSocket('udp4');
  s.bind(0, pod, async () => {
    for (let i = 0; i < perPod; i++) {
      await new Promise((resolve, reject) => s.send('x', 1 + i, host, (e) => (e ? reject(e) : resolve())));
    }
    s.close();
    if (--open === 0) process.exit(0);
  });
}`;
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      ['netns', 'exec', scene.client, process.execPath, '-e', script, JSON.stringify([pods, scene.plan.servers[0], perPod])],
      (error) => (error ? reject(error) : resolve()),
    );
  });
}

const scene = await makeNatScene({
  kind: 'snat',
  pods: 8,
  natAddresses: 2,
  natPorts: { low: 1024, high: 65535 },
  flags: [],
  destinations: 1,
  destinationPorts: [80],
});
try {
  const server = new AbortController();
  let ready: () => void = () => {};
  const listening = new Promise<void>((resolve) => (ready = resolve));
  const served = runJobInNamespace<TargetStats>(
    { kind: 'serve', listen: [{ host: scene.plan.servers[0]!, port: 80 }], close: 'client' },
    {},
    { signal: server.signal },
    { namespace: scene.server, onReady: () => ready() },
  );
  await listening;
  const plan = buildPlan(
    {
      target: `http://${scene.plan.servers[0]}:80/`,
      allowRemote: true,
      sources: scene.plan.pods.join(','),
      portMode: 'bind',
      close: 'client',
      connections: 64,
      duration: `${seconds}s`,
      sampleInterval: '0s',
    },
    { ephemeralPorts: { low: 32768, high: 60999 }, isolated: true },
    { sysctls: {}, profile: null },
  );
  const load = await runJobInNamespace<RunResult>({ kind: 'run', plan }, {}, {}, { namespace: scene.client });
  const path = `/run/netns/${scene.router}`;
  const afterLoad = readConntrack(path);
  const fromTcp = afterLoad.natTotal + afterLoad.other;
  if (fromTcp < entries) {
    // The router NATs UDP as well, keeps it 300 s; the servers drop it without a word (no ICMP).
    await inNamespace(scene.router, 'sysctl', ['-q', '-w', 'net.netfilter.nf_conntrack_udp_timeout=300']);
    await inNamespace(scene.router, 'nft', [
      'add rule ip portchurn_nat postrouting oifname "outside" ip saddr 198.18.0.0/16 meta l4proto udp snat to 198.19.0.1-198.19.0.2:1024-65535',
    ]);
    await inNamespace(
      scene.server,
      'nft',
      ['-f', '-'],
      'table ip bench { chain in { type filter hook input priority 0; policy accept; meta l4proto udp drop; } }\n',
    );
    await topUpWithUdp(scene, entries - fromTcp);
  }
  const rssBefore = process.memoryUsage().rss;
  const times: number[] = [];
  const rss: number[] = [];
  let mappings = 0;
  for (let i = 0; i < reads; i++) {
    const started = performance.now();
    const snap = readConntrack(path);
    times.push(performance.now() - started);
    rss.push(process.memoryUsage().rss);
    mappings = snap.natTotal + snap.other;
  }
  server.abort();
  await served;
  const ms = median(times);
  process.stdout.write(
    [
      `conntrack reader: ${mappings.toLocaleString('en-US')} entries in the router's conntrack: ${fromTcp.toLocaleString('en-US')} from ${load.totals.ok.toLocaleString('en-US')} TCP connections in ${seconds} s, the rest UDP datagrams to distinct ports`,
      `  a read (statistics and the whole dump, counted per NAT address, destination and port): ${times.map((t) => t.toFixed(1)).join(', ')} ms; median ${ms.toFixed(1)} ms, ${((ms * 1e6) / Math.max(1, mappings)).toFixed(0)} ns an entry`,
      `  RSS before the reads ${(rssBefore / 2 ** 20).toFixed(1)} MiB, after each: ${rss.map((r) => (r / 2 ** 20).toFixed(1)).join(', ')} MiB`,
      '',
    ].join('\n'),
  );
} finally {
  await scene.remove();
}
