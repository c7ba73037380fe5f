// NAT scenes for tests: a 10-port spec, a server that holds every connection, and a client that
// holds its connections and settles on events, not on a timer: a connection is "unanswered" when
// the client's kernel still has it in SYN-SENT after the router's conntrack counted its first SYN
// as insert_failed (that SYN was dropped; the retransmits will be too while the mappings are held).
import { spawn, spawnSync } from 'node:child_process';
import type { NatScene } from '../../src/nat/scene.js';
import type { NatSceneSpec } from '../../src/nat/scene-spec.js';
import { followOutput, pollUntilAsync } from './events.js';

/** One pod, one NAT address, a 10-port range, a server on ports 80 and 81. */
export const TEN_PORTS: NatSceneSpec = {
  kind: 'snat',
  pods: 1,
  natAddresses: 1,
  natPorts: { low: 20000, high: 20009 },
  flags: [],
  destinations: 1,
  destinationPorts: [80, 81],
};

/** A server in the scene's server namespace on every address and port that accepts and never closes; resolves once it listens. */
export async function holdingServer(scene: NatScene): Promise<{ stop(): void }> {
  const listen = scene.plan.servers.flatMap((host) => scene.spec.destinationPorts.map((port) => ({ host, port })));
  const script = `const net = require('node:net'); const held = []; let up = 0;
for (const a of ${JSON.stringify(listen)}) net.createServer((s) => held.push(s)).listen(a.port, a.host, () => { if (++up === ${listen.length}) console.log('listening'); });`;
  const child = spawn('ip', ['netns', 'exec', scene.server, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = followOutput(child);
  await out.printed('listening', 15_000);
  if (!out.stdout().includes('listening')) throw new Error(`the server exited: ${out.stderr()}`);
  return { stop: () => child.kill('SIGKILL') };
}

/** Connections from one pod to one destination, opened at once and held. */
export interface Batch {
  readonly pod: string;
  readonly host: string;
  readonly port: number;
  readonly count: number;
}

export interface Settled {
  readonly established: number;
  readonly unanswered: number;
}

/** `conntrack -S` in a namespace, summed over its CPU lines. */
export function conntrackStats(namespace: string): Record<string, number> {
  const out = spawnSync('ip', ['netns', 'exec', namespace, 'conntrack', '-S'], { encoding: 'utf8' });
  const sums: Record<string, number> = { cpus: 0 };
  for (const line of out.stdout.split('\n').filter((l) => l.startsWith('cpu='))) {
    sums['cpus']! += 1;
    for (const [, k, v] of line.matchAll(/(\w+)=(\d+)/g)) if (k !== 'cpu') sums[k!] = (sums[k!] ?? 0) + Number(v);
  }
  return sums;
}

/** Client sockets of the pods' namespace in `state` towards host:port (ss, the kernel's own table). */
function sockets(scene: NatScene, state: 'established' | 'syn-sent', b: Batch): number {
  const out = spawnSync('ip', ['netns', 'exec', scene.client, 'ss', '-Htn', 'state', state, 'src', b.pod, 'dst', `${b.host}:${b.port}`], {
    encoding: 'utf8',
  });
  return out.stdout.split('\n').filter((l) => l.trim() !== '').length;
}

/**
 * A client in the pods' namespace that opens each batch in turn and holds every connection until
 * `release()`. A batch has settled when each of its connections is ESTABLISHED or still in
 * SYN-SENT, and the router counted (insert_failed) at least one dropped SYN for each of those in
 * SYN-SENT so far: nothing is waiting on a timer, and a wait that does not come fails after 20 s.
 */
export async function holdConnections(
  scene: NatScene,
  batches: readonly Batch[],
): Promise<{ counts: Settled[]; release(): Promise<void> }> {
  const script = `const net = require('node:net'); const held = [];
const rl = require('node:readline').createInterface({ input: process.stdin }); let n = 0;
rl.on('line', (line) => { const b = JSON.parse(line);
  for (let i = 0; i < b.count; i++) { const s = net.connect({ host: b.host, port: b.port, localAddress: b.pod }); s.on('error', (e) => console.log('error ' + e.code)); held.push(s); }
  console.log('opened #' + n++ + ';'); });
rl.on('close', () => process.exit(0));`;
  const child = spawn('ip', ['netns', 'exec', scene.client, process.execPath, '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = followOutput(child);
  const counts: Settled[] = [];
  let synSentBefore = 0;
  for (const [i, b] of batches.entries()) {
    child.stdin!.write(`${JSON.stringify(b)}\n`);
    await out.printed(`opened #${i};`, 15_000);
    if (!out.stdout().includes(`opened #${i};`)) throw new Error(`the client exited: ${out.stderr()}`);
    let settled: Settled = { established: 0, unanswered: 0 };
    await pollUntilAsync(
      `batch ${i + 1} to settle (${b.count} connections ESTABLISHED or SYN-SENT with their SYN dropped at the router)`,
      20_000,
      async () => {
        settled = { established: sockets(scene, 'established', b), unanswered: sockets(scene, 'syn-sent', b) };
        const dropped = conntrackStats(scene.router)['insert_failed'] ?? 0;
        return settled.established + settled.unanswered === b.count && dropped >= synSentBefore + settled.unanswered;
      },
      50,
    );
    synSentBefore += settled.unanswered;
    if (out.stdout().includes('error ')) throw new Error(`a connection failed with an errno: ${out.stdout()}`);
    counts.push(settled);
  }
  return {
    counts,
    release: async () => {
      child.stdin!.end();
      await out.exited;
    },
  };
}
