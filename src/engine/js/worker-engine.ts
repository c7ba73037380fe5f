import { Worker } from 'node:worker_threads';
import { workerExecArgv } from '../../env/worker-exec-argv.js';
import type { Progress } from '../../result/progress.js';
import type { EngineOutcome, LoadEngine, LoadHooks, LoadJob } from '../load-engine.js';
import { mergeSnapshots, type LoadSnapshot } from '../load-snapshot.js';
import type { LoadWorkerData } from './load-worker.js';
import { sumProgress } from '../progress-meter.js';

type WorkerMessage = { type: 'progress'; progress: Progress } | { type: 'done'; snapshot: LoadSnapshot };

/** One worker thread running one part; resolves with its snapshot, rejects when the thread dies without one. */
function runWorker(worker: Worker, i: number, onProgress: (line: Progress) => void): Promise<LoadSnapshot> {
  return new Promise<LoadSnapshot>((resolve, reject) => {
    worker.on('message', (m: WorkerMessage) => (m.type === 'done' ? resolve(m.snapshot) : onProgress(m.progress)));
    worker.once('error', (e: unknown) =>
      reject(new Error(`load worker ${i + 1} failed: ${e instanceof Error ? e.message : JSON.stringify(e)}`)),
    );
    worker.once('exit', (code) => reject(new Error(`load worker ${i + 1} exited (${code}) without a result`)));
  });
}

/**
 * The JavaScript engine on worker threads, one per part, all from one start time so their seconds
 * line up; their snapshots merge exactly and their progress is summed. A thread that dies is a
 * failure beside what the others measured, which is kept; when none is left the run fails.
 */
export const workerEngine: LoadEngine = {
  name: 'js',
  async run(job: LoadJob, hooks: LoadHooks): Promise<EngineOutcome> {
    const startAbsMs = performance.timeOrigin + performance.now();
    const latest: (Progress | null)[] = job.parts.map(() => null);
    const workers = job.parts.map(
      (part, index) =>
        new Worker(new URL('./load-worker.js', import.meta.url), {
          workerData: { job, part, startAbsMs, index } satisfies LoadWorkerData,
          execArgv: workerExecArgv(),
        }),
    );
    const onAbort = (): void => workers.forEach((w) => w.postMessage('abort'));
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    const settled = await Promise.allSettled(
      workers.map((worker, i) =>
        runWorker(worker, i, (line) => {
          latest[i] = line;
          if (i === 0) hooks.onProgress?.(sumProgress(latest.filter((p): p is Progress => p !== null)));
        }),
      ),
    );
    hooks.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
    const done = settled.filter((s): s is PromiseFulfilledResult<LoadSnapshot> => s.status === 'fulfilled').map((s) => s.value);
    const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => (s.reason as Error).message);
    if (done.length === 0) throw new Error(failures.join('; '));
    const merged = mergeSnapshots(done);
    if (failures.length === 0) return { snapshot: merged, failures };
    // A dead thread's sources were not measured: they are left out, not shown as zeros.
    const unmeasured = new Set(job.parts.filter((_, i) => settled[i]!.status === 'rejected').flatMap((p) => p.sources));
    return { snapshot: { ...merged, sources: merged.sources.filter((s) => !unmeasured.has(s.address)) }, failures };
  },
};
