import type { SocketReader } from './socket-reader.js';
import type { StateCounts } from './tcp-table.js';

/** One sample of the socket states during a stage. */
export interface SocketSample {
  /** Milliseconds since the sampler started. */
  readonly tMs: number;
  readonly client: StateCounts;
  readonly server: StateCounts;
  /** Most ports held by any one source address at this instant. */
  readonly maxPortsHeld: number;
  /** Time this sample took on the sampler thread (the kernel's dump or rendering, and counting). */
  readonly costMs: number;
}

/** Reads the socket tables once through `reader`. Also returns the per-source ports held. */
export function takeSample(reader: SocketReader, tMs: number): { sample: SocketSample; portsHeld: number[] } {
  const t0 = performance.now();
  const counts = reader.read();
  const maxPortsHeld = counts.portsHeld.reduce((a, b) => Math.max(a, b), 0);
  return { sample: { tMs, client: counts.client, server: counts.server, maxPortsHeld, costMs: performance.now() - t0 }, portsHeld: counts.portsHeld };
}
