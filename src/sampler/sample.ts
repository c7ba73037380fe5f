import { readFileSync } from 'node:fs';
import { countTable, emptyCounts, type CompiledScope, type StateCounts } from './tcp-table.js';

/** One sample of the socket states during a stage. */
export interface SocketSample {
  /** Milliseconds since the sampler started. */
  readonly tMs: number;
  readonly client: StateCounts;
  readonly server: StateCounts;
  /** Most ports held by any one source address at this instant. */
  readonly maxPortsHeld: number;
  /** Time this sample took on the sampler thread (reading /proc, which the kernel renders, and counting). */
  readonly costMs: number;
}

/** Reads /proc/net/tcp and tcp6 once and counts them for `scope`. Also returns the per-source ports held. */
export function takeSample(scope: CompiledScope, tMs: number): { sample: SocketSample; portsHeld: number[] } {
  const t0 = performance.now();
  const counts = emptyCounts(scope);
  for (const path of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(path, 'latin1');
    } catch {
      continue; // no IPv6 in this kernel or namespace
    }
    countTable(text, scope, counts);
  }
  const maxPortsHeld = counts.portsHeld.reduce((a, b) => Math.max(a, b), 0);
  return { sample: { tMs, client: counts.client, server: counts.server, maxPortsHeld, costMs: performance.now() - t0 }, portsHeld: counts.portsHeld };
}
