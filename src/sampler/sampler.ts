import { Worker } from 'node:worker_threads';
import { workerExecArgv } from '../env/worker-exec-argv.js';
import type { SampleScope } from './tcp-table.js';
import type { SocketReport, SocketSample, SocketSource } from '../result/sockets.js';

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
  const worker = new Worker(new URL('./worker.js', import.meta.url), {
    workerData: { scope, intervalMs, prefer },
    execArgv: workerExecArgv(),
  });
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
