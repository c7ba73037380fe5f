import { Worker } from 'node:worker_threads';
import { workerExecArgv } from '../env/worker-exec-argv.js';
import { TargetError } from '../errors.js';
import type { TargetOptions } from './stats.js';
import type { TargetRequest } from './worker.js';
import type { TargetStats } from '../result/target-stats.js';

/** A running built-in target, in its own worker thread. */
export interface BuiltinTarget {
  /** Where it listens (real ports). */
  readonly addresses: readonly { readonly host: string; readonly port: number }[];
  /** The counters so far. */
  stats(): Promise<TargetStats>;
  /** Closes every connection and listener, ends the thread, returns the final counters. */
  close(): Promise<TargetStats>;
}

type WorkerMessage =
  | { type: 'ready'; addresses: { host: string; port: number }[] }
  | { type: 'failed'; code: string; message: string }
  | { type: 'reply'; id: number; stats: TargetStats };

/** Starts the built-in HTTP/1.1 target in a worker thread and waits until it listens. */
export function startBuiltinTarget(options: TargetOptions): Promise<BuiltinTarget> {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: options, execArgv: workerExecArgv() });
  const pending = new Map<number, { resolve: (stats: TargetStats) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let closed: Promise<TargetStats> | null = null;

  const ask = (type: TargetRequest['type']): Promise<TargetStats> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ type, id } satisfies TargetRequest);
    });
  const failAll = (error: Error): void => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };

  return new Promise((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        resolve({
          addresses: message.addresses,
          stats: () => ask('stats'),
          close: () => {
            closed ??= ask('close').finally(() => void worker.terminate());
            return closed;
          },
        });
      } else if (message.type === 'failed') {
        void worker.terminate();
        reject(new TargetError(`the built-in target could not listen (${message.code}): ${message.message}`));
      } else {
        pending.get(message.id)?.resolve(message.stats);
        pending.delete(message.id);
      }
    });
    worker.once('error', (error) => {
      const failure = new TargetError(`the built-in target failed: ${error.message}`, { cause: error });
      failAll(failure);
      reject(failure);
    });
    worker.once('exit', () => failAll(new TargetError('the built-in target thread has ended')));
  });
}
