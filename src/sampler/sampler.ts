import { Worker } from 'node:worker_threads';
import { workerExecArgv } from '../worker-exec-argv.js';
import type { SocketSample } from './sample.js';
import type { SocketSource } from './socket-reader.js';
import type { SampleScope } from './tcp-table.js';

/** What the sampler saw during a stage. */
export interface SocketReport {
  readonly intervalMs: number;
  /** How the states were read: netlink sock_diag (the native addon) or /proc/net/tcp{,6}. Absent in results written before sock_diag. */
  readonly via?: SocketSource;
  readonly samples: readonly SocketSample[];
  /** Highest TIME_WAIT count seen on each side. */
  readonly peakTimeWait: { readonly client: number; readonly server: number };
  /** Per source address (index-aligned with the plan's sources): most ports it held at once. */
  readonly peakPortsHeld: readonly number[];
  /** Highest occupancy of any source: peak ports held / usable ports; null when unknown. */
  readonly peakOccupancy: number | null;
  /** Sampler cost per sample on its own thread, in milliseconds. */
  readonly costMs: { readonly mean: number; readonly max: number };
}

/** A running sampler. */
export interface Sampler {
  stop(usablePorts: number | null): Promise<SocketReport>;
}

/**
 * Samples the socket tables every `intervalMs` on a worker thread until `stop`, through sock_diag
 * where the native addon is there and /proc/net/tcp otherwise (`prefer`). Resolves once
 * the first sample is taken, so that it shows the state before the load; the last sample is
 * taken when stopped.
 */
export async function startSampler(scope: SampleScope, intervalMs: number, prefer: 'auto' | SocketSource = 'auto'): Promise<Sampler> {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { scope, intervalMs, prefer }, execArgv: workerExecArgv() });
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  failed.catch(() => {});
  const { via } = await Promise.race([new Promise<{ via: SocketSource }>((resolve) => worker.once('message', resolve)), failed]);
  return {
    stop: async (usablePorts) => {
      const reply = new Promise<{ samples: SocketSample[]; peakPortsHeld: number[] }>((resolve) => worker.once('message', resolve));
      worker.postMessage('stop');
      const { samples, peakPortsHeld } = await Promise.race([reply, failed]);
      await worker.terminate();
      const peak = (side: 'client' | 'server'): number => samples.reduce((m, s) => Math.max(m, s[side].TIME_WAIT ?? 0), 0);
      const costs = samples.map((s) => s.costMs);
      const maxHeld = peakPortsHeld.reduce((a, b) => Math.max(a, b), 0);
      return {
        intervalMs,
        via,
        samples,
        peakTimeWait: { client: peak('client'), server: peak('server') },
        peakPortsHeld,
        peakOccupancy: usablePorts && peakPortsHeld.length > 0 ? maxHeld / usablePorts : null,
        costMs: { mean: costs.reduce((a, b) => a + b, 0) / Math.max(1, costs.length), max: Math.max(0, ...costs) },
      };
    },
  };
}
