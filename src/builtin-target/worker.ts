import { parentPort, workerData } from 'node:worker_threads';
import { startTargetServers } from './http-server.js';
import type { TargetOptions } from './target-options.js';
import { cpuSince, threadCpuTime } from '../env/cpu-time.js';
import type { TargetStats } from '../result/target-stats.js';

/** Messages the target worker understands. */
export type TargetRequest = { readonly type: 'stats'; readonly id: number } | { readonly type: 'close'; readonly id: number };

// Entry of the target's worker thread: the target gets its own event loop, so its work never
// delays the generator's timers or sockets.
const port = parentPort!;
try {
  const servers = await startTargetServers(workerData as TargetOptions);
  // The target's CPU is this thread's: its accepts, reads and writes run on this event loop.
  const cpuAtStart = threadCpuTime();
  const stats = (): TargetStats => {
    const now = threadCpuTime();
    return { ...servers.stats(), cpu: cpuAtStart && now ? cpuSince(cpuAtStart, now) : null };
  };
  port.postMessage({ type: 'ready', addresses: servers.addresses });
  port.on('message', (message: TargetRequest) => {
    if (message.type === 'stats') {
      port.postMessage({ type: 'reply', id: message.id, stats: stats() });
    } else {
      void servers.close().then(() => {
        port.postMessage({ type: 'reply', id: message.id, stats: stats() });
        port.close();
      });
    }
  });
} catch (error) {
  const e = error as NodeJS.ErrnoException;
  port.postMessage({ type: 'failed', code: e.code ?? 'OTHER', message: e.message });
}
