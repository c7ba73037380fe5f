/**
 * What one socket-state sample costs at 100,000 TIME_WAIT sockets: netlink sock_diag (the native
 * addon) against /proc/net/tcp, side by side, alternated, in one run:
 *   npm run bench:sampler -- [--sockets 100000] [--reads 10]
 * Everything happens in a network namespace of its own (root: unshare -n), made with its own
 * port range and TIME_WAIT limit, so the host's ports and table are never touched; the sockets
 * go with the namespace when this ends.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadNative } from '../src/addon/addon.js';
import { procReader, sockDiagReader, type SocketReader } from '../src/sampler/socket-reader.js';
import { median } from './stats.js';
import { run } from '../src/runner/run.js';

const { values } = parseArgs({ options: { sockets: { type: 'string', default: '100000' }, reads: { type: 'string', default: '10' } } });
const sockets = Number(values.sockets);
const reads = Number(values.reads);

if (process.env.PORTCHURN_SAMPLER_BENCH_NS !== '1') {
  // Re-run this script inside a fresh namespace and pass its output through.
  const self = fileURLToPath(import.meta.url);
  const out = spawnSync('unshare', ['-n', process.execPath, self, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, PORTCHURN_SAMPLER_BENCH_NS: '1' },
  });
  if (out.error || out.status !== 0) {
    process.stderr.write(`bench:sampler needs root for unshare -n (${out.error?.message ?? `exit ${out.status}`})\n`);
    process.exit(1);
  }
  process.exit(0);
}

const native = loadNative();
if (!native.addon) {
  process.stderr.write(`bench:sampler compares sock_diag with /proc and needs the native addon, which is ${native.reason}\n`);
  process.exit(1);
}
// This namespace only: lo up, 51,000 ports, room for the TIME_WAIT sockets, no reuse.
spawnSync('ip', ['link', 'set', 'lo', 'up']);
writeFileSync('/proc/sys/net/ipv4/ip_local_port_range', '10000 60999');
writeFileSync('/proc/sys/net/ipv4/tcp_max_tw_buckets', String(sockets * 2));
// No reuse, so every connection leaves its TIME_WAIT (the default 2 reuses them on loopback).
writeFileSync('/proc/sys/net/ipv4/tcp_tw_reuse', '0');
// Eight sources: each holds an eighth of the sockets, so connect()'s port search stays short and
// the load ends well inside the 60 s that a TIME_WAIT lasts.
const sources = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
process.stderr.write(`making ${sockets} TIME_WAIT sockets (client closes first, ${sources.length} sources, nobind)...\n`);
const load = await run({
  netns: false,
  sources: sources.join(','),
  portMode: 'nobind',
  close: 'client',
  requests: sockets,
  connections: 64,
  sampleInterval: '0s',
});
const destination = load.target.endpoints[0]!;
const scope = { sources, destinations: [destination] };
const readers: SocketReader[] = [sockDiagReader(native.addon, scope), procReader(scope)];
const costs: Record<string, number[]> = { sock_diag: [], proc: [] };
const counted: Record<string, number> = {};
for (let i = 0; i < reads; i++) {
  for (const reader of i % 2 === 0 ? readers : [...readers].reverse()) {
    const t0 = performance.now();
    const counts = reader.read();
    costs[reader.via]!.push(performance.now() - t0);
    counted[reader.via] = counts.client.TIME_WAIT ?? 0;
  }
}
const table = native.addon.countSockets({ sources: [], destinations: [] }).sockets;
const loadSec = load.totals.durationMs / 1000;
const row = (via: string): string => {
  const ms = median(costs[via]!);
  return `${via.padEnd(10)} ${ms.toFixed(1).padStart(8)} ms  ${((ms * 1000) / table).toFixed(2).padStart(6)} µs/socket  ${String(counted[via]).padStart(7)} TIME_WAIT counted`;
};
process.stdout.write(
  [
    `sampler cost: ${table} sockets in the namespace's table (${load.totals.ok} connections made in ${loadSec.toFixed(1)} s, ${load.engine} engine); median of ${reads} reads each, alternated`,
    row('sock_diag'),
    row('proc'),
    `proc / sock_diag: ${(median(costs.proc!) / median(costs.sock_diag!)).toFixed(1)}x`,
    JSON.stringify({ sockets: table, ok: load.totals.ok, costsMs: costs, counted }),
    '',
  ].join('\n'),
);
