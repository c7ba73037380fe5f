import { parentPort, workerData } from 'node:worker_threads';
import { takeSample, type SocketSample } from './sample.js';
import { compileScope, type SampleScope } from './tcp-table.js';
import { nextSampleDelayMs } from './pace.js';

// The sampler's own thread: at 100,000 sockets one read of /proc/net/tcp takes tens of
// milliseconds, which would stall the generator's event loop if done there.
const { scope, intervalMs } = workerData as { scope: SampleScope; intervalMs: number };
const compiled = compileScope(scope);
const samples: SocketSample[] = [];
const peakPortsHeld = new Array<number>(scope.sources.length).fill(0);
const t0 = performance.now();

function sampleOnce(): number {
  const { sample, portsHeld } = takeSample(compiled, Math.round(performance.now() - t0));
  samples.push(sample);
  portsHeld.forEach((n, i) => (peakPortsHeld[i] = Math.max(peakPortsHeld[i]!, n)));
  return sample.costMs;
}

let timer: NodeJS.Timeout;
const loop = (): void => {
  timer = setTimeout(loop, nextSampleDelayMs(intervalMs, sampleOnce()));
};
const firstCost = sampleOnce();
parentPort!.postMessage('ready');
timer = setTimeout(loop, nextSampleDelayMs(intervalMs, firstCost));
parentPort!.once('message', () => {
  clearTimeout(timer);
  sampleOnce();
  parentPort!.postMessage({ samples, peakPortsHeld });
  parentPort!.close();
});
