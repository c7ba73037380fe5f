import { parentPort, workerData } from 'node:worker_threads';
import { takeSample, type SocketSample } from './sample.js';
import { compileScope, type SampleScope } from './tcp-table.js';

// The sampler's own thread: at 100,000 sockets one read of /proc/net/tcp takes tens of
// milliseconds, which would stall the generator's event loop if done there.
const { scope, intervalMs } = workerData as { scope: SampleScope; intervalMs: number };
const compiled = compileScope(scope);
const samples: SocketSample[] = [];
const peakPortsHeld = new Array<number>(scope.sources.length).fill(0);
const t0 = performance.now();

function sampleOnce(): void {
  const { sample, portsHeld } = takeSample(compiled, Math.round(performance.now() - t0));
  samples.push(sample);
  portsHeld.forEach((n, i) => (peakPortsHeld[i] = Math.max(peakPortsHeld[i]!, n)));
}

sampleOnce();
parentPort!.postMessage('ready');
const timer = setInterval(sampleOnce, intervalMs);
parentPort!.once('message', () => {
  clearInterval(timer);
  sampleOnce();
  parentPort!.postMessage({ samples, peakPortsHeld });
  parentPort!.close();
});
