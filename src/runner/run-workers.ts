import { Worker } from 'node:worker_threads';
import { mergeSnapshots, type LoadSnapshot } from '../engine/load-snapshot.js';
import { partitionLoad } from '../engine/partition.js';
import { PortchurnError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import { workerExecArgv } from '../env/worker-exec-argv.js';
import type { LoadWorkerData } from './load-worker.js';
import type { ResolvedTarget } from './transport-for-plan.js';
import type { Progress } from '../result/progress.js';

/** A load worker thread died; the others' data is kept in `partial`. */
export class WorkerCrashError extends PortchurnError {
  readonly partial: LoadSnapshot | null;
  constructor(message: string, partial: LoadSnapshot | null) {
    super(message);
    this.name = 'WorkerCrashError';
    this.partial = partial;
  }
}

/**
 * Runs the load on `plan.workers` threads, each with its share (partitionLoad), all from one
 * start time so their seconds line up, and merges their snapshots exactly. Progress is summed.
 */
export async function runWorkers(
  plan: Plan,
  target: ResolvedTarget,
  skipPorts: ReadonlySet<number>,
  hooks: { signal?: AbortSignal; onProgress?: (p: Progress) => void },
): Promise<LoadSnapshot> {
  const parts = partitionLoad(plan, plan.workers);
  const startAbsMs = performance.timeOrigin + performance.now();
  const latest: (Progress | null)[] = parts.map(() => null);
  const workers = parts.map(
    (part, i) =>
      new Worker(new URL('./load-worker.js', import.meta.url), {
        workerData: { plan, part, target, skipPorts: [...skipPorts], startAbsMs, index: i } satisfies LoadWorkerData & { index: number },
        execArgv: workerExecArgv(),
      }),
  );
  const onAbort = (): void => workers.forEach((w) => w.postMessage('abort'));
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  const settled = await Promise.allSettled(
    workers.map(
      (worker, i) =>
        new Promise<LoadSnapshot>((resolve, reject) => {
          worker.on('message', (m: { type: 'progress'; progress: Progress } | { type: 'done'; snapshot: LoadSnapshot }) => {
            if (m.type === 'done') return resolve(m.snapshot);
            latest[i] = m.progress;
            if (i === 0 && hooks.onProgress) {
              const all = latest.filter((p): p is Progress => p !== null);
              const sum = (f: (p: Progress) => number): number => all.reduce((a, p) => a + f(p), 0);
              hooks.onProgress({
                elapsedMs: m.progress.elapsedMs,
                attempts: sum((p) => p.attempts),
                ok: sum((p) => p.ok),
                errors: sum((p) => p.errors),
                inFlight: sum((p) => p.inFlight),
                lastSecond: {
                  attempts: sum((p) => p.lastSecond?.attempts ?? 0),
                  ok: sum((p) => p.lastSecond?.ok ?? 0),
                  errors: sum((p) => p.lastSecond?.errors ?? 0),
                },
              });
            }
          });
          worker.once('error', (e: unknown) =>
            reject(new Error(`load worker ${i + 1} failed: ${e instanceof Error ? e.message : JSON.stringify(e)}`)),
          );
          worker.once('exit', (code) => reject(new Error(`load worker ${i + 1} exited (${code}) without a result`)));
        }),
    ),
  );
  hooks.signal?.removeEventListener('abort', onAbort);
  await Promise.all(workers.map((w) => w.terminate()));
  const done = settled.filter((s): s is PromiseFulfilledResult<LoadSnapshot> => s.status === 'fulfilled').map((s) => s.value);
  const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => (s.reason as Error).message);
  // Sources back in the plan's order (each worker reported its own share).
  const order = new Map(plan.sources.map((a, i) => [a, i]));
  const merge = (list: LoadSnapshot[]): LoadSnapshot => {
    const m = mergeSnapshots(list);
    return { ...m, sources: [...m.sources].sort((a, b) => (order.get(a.address) ?? 0) - (order.get(b.address) ?? 0)) };
  };
  if (failed.length > 0) throw new WorkerCrashError(failed.join('; '), done.length > 0 ? merge(done) : null);
  return merge(done);
}
