import { parentPort, workerData } from 'node:worker_threads';
import { loadNative } from '../addon/addon.js';
import { takeSample } from './sample.js';
import { chooseReader } from './socket-reader.js';
import type { SampleScope } from './tcp-table.js';
import { nextSampleDelayMs } from './pace.js';
import type { SocketSample, SocketSource } from '../result/sockets.js';

// The sampler's own thread: at 100,000 sockets one read of /proc/net/tcp takes a quarter of a
// second (sock_diag far less), which would stall the generator's event loop if done there.
const { scope, intervalMs, prefer } = workerData as { scope: SampleScope; intervalMs: number; prefer: 'auto' | SocketSource };
const reader = chooseReader(scope, loadNative().addon, prefer);
const samples: SocketSample[] = [];
const peakPortsHeld = new Array<number>(scope.sources.length).fill(0);
const t0 = performance.now();

function sampleOnce(): number {
  const { sample, portsHeld } = takeSample(reader, Math.round(performance.now() - t0));
  samples.push(sample);
  portsHeld.forEach((n, i) => (peakPortsHeld[i] = Math.max(peakPortsHeld[i]!, n)));
  return sample.costMs;
}

let timer: NodeJS.Timeout;
const loop = (): void => {
  timer = setTimeout(loop, nextSampleDelayMs(intervalMs, sampleOnce()));
};
const firstCost = sampleOnce();
parentPort!.postMessage({ via: reader.via });
timer = setTimeout(loop, nextSampleDelayMs(intervalMs, firstCost));
parentPort!.once('message', () => {
  clearTimeout(timer);
  sampleOnce();
  parentPort!.postMessage({ samples, peakPortsHeld });
  parentPort!.close();
});
