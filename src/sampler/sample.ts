import type { SocketReader } from './socket-reader.js';
import type { SocketSample } from '../result/sockets.js';

/** Reads the socket tables once through `reader`. Also returns the per-source ports held. */
export function takeSample(reader: SocketReader, tMs: number): { sample: SocketSample; portsHeld: number[] } {
  const t0 = performance.now();
  const counts = reader.read();
  const maxPortsHeld = counts.portsHeld.reduce((a, b) => Math.max(a, b), 0);
  return {
    sample: { tMs, client: counts.client, server: counts.server, maxPortsHeld, costMs: performance.now() - t0 },
    portsHeld: counts.portsHeld,
  };
}
