/**
 * The ctnetlink reader's cost per NAT mapping and its memory at 100,000 mappings
 * (npm run bench:conntrack, root; also the last part of npm run bench when root):
 *   node dist/bench/conntrack-reader.js [--entries 100000] [--seconds 60] [--reads 5]
 * A NAT scene mapping to 1024-65535 on four NAT addresses (the router's port search stays short
 * while the table fills), non-keepalive load from 16 pods until
 * the router's conntrack holds --entries (each closed connection's mapping stays in conntrack's
 * TIME_WAIT, so they add up; at most --seconds), then the router's conntrack read --reads times:
 * ms per read, ns per entry, and the process's RSS before and after the reads (the dump is
 * streamed: its memory should not grow with the table). Everything it makes is in the scene's
 * namespaces and goes with them.
 */
import { parseArgs } from 'node:util';
import { openConntrack } from '../src/env/conntrack.js';
import { buildPlan } from '../src/plan/build-plan.js';
import { inNamespace, makeNatScene } from '../src/nat/scene.js';
import type { RunResult } from '../src/result/result.js';
import type { TargetStats } from '../src/result/target-stats.js';
import { runJobInNamespace } from '../src/runner/run-in-namespace.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    entries: { type: 'string', default: '100000' },
    reads: { type: 'string', default: '5' },
  },
});
const seconds = Number(values.seconds);
const entries = Number(values.entries);
const reads = Number(values.reads);

const scene = await makeNatScene({
  kind: 'snat',
  pods: 16,
  natAddresses: 4,
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
  // The load runs until the router's conntrack holds --entries (its own count, read each second), or --seconds.
  const enough = new AbortController();
  const count = async (): Promise<number> =>
    Number((await inNamespace(scene.router, 'sysctl', ['-n', 'net.netfilter.nf_conntrack_count'])).trim());
  const loading = runJobInNamespace<RunResult>({ kind: 'run', plan }, {}, { signal: enough.signal }, { namespace: scene.client });
  let finished = false;
  void loading.finally(() => (finished = true));
  while (!finished && (await count()) < entries) await new Promise((resolve) => setTimeout(resolve, 1000));
  enough.abort();
  const load = await loading;
  // Read as the NAT scenario and watch do: one ctnetlink socket made in the router, read again and again.
  const conntrack = openConntrack(`/run/netns/${scene.router}`);
  const rssBefore = process.memoryUsage().rss;
  const times: number[] = [];
  const rss: number[] = [];
  let mappings = 0;
  let keys = 0;
  for (let i = 0; i < reads; i++) {
    const started = performance.now();
    const snap = conntrack.read();
    times.push(performance.now() - started);
    rss.push(process.memoryUsage().rss);
    mappings = snap.natTotal + snap.other;
    keys = snap.mappings.length;
  }
  server.abort();
  await served;
  const ms = median(times);
  process.stdout.write(
    [
      `conntrack reader: ${mappings.toLocaleString('en-US')} entries in the router's conntrack (${keys.toLocaleString('en-US')} NAT address, destination and port keys) after ${load.totals.ok.toLocaleString('en-US')} connections in ${(load.totals.durationMs / 1000).toFixed(1)} s`,
      `  a read (statistics and the whole dump, counted per NAT address, destination and port): ${times.map((t) => t.toFixed(1)).join(', ')} ms; median ${ms.toFixed(1)} ms, ${((ms * 1e6) / Math.max(1, mappings)).toFixed(0)} ns an entry`,
      `  RSS before the reads ${(rssBefore / 2 ** 20).toFixed(1)} MiB, after each: ${rss.map((r) => (r / 2 ** 20).toFixed(1)).join(', ')} MiB`,
      '',
    ].join('\n'),
  );
} finally {
  await scene.remove();
}
