import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { loadNative } from '../addon/addon.js';
import { workerExecArgv } from '../env/worker-exec-argv.js';
import { PreflightError, TargetError } from '../errors.js';
import { defaultTargetThreads, TARGET_DEFAULTS, type TargetOptions } from './target-options.js';
import type { BuiltinTarget } from './target-handle.js';

export type { BuiltinTarget } from './target-handle.js';
import type { TargetRequest } from './worker.js';
import type { TargetStats } from '../result/target-stats.js';
import { startNativeTarget } from './native-target.js';

type WorkerMessage =
  | { type: 'ready'; addresses: { host: string; port: number }[] }
  | { type: 'failed'; code: string; message: string }
  | { type: 'reply'; id: number; stats: TargetStats };

/**
 * Starts the built-in HTTP/1.1 target and waits until it listens: the native one where the addon
 * is built (`engine` auto or native), the JavaScript one otherwise or when asked (`engine` js).
 * `engine` native without the addon is a PreflightError (exit 2, before any traffic).
 */
export function startBuiltinTarget(options: TargetOptions): Promise<BuiltinTarget> {
  const engine = options.engine ?? TARGET_DEFAULTS.engine;
  const threads = options.threads ?? defaultTargetThreads(cpus().length);
  const headTimeoutMs = options.headTimeoutMs ?? TARGET_DEFAULTS.headTimeoutMs;
  const idleTimeoutMs = options.idleTimeoutMs ?? TARGET_DEFAULTS.idleTimeoutMs;
  const protocol = options.protocol ?? 'http';
  if (engine !== 'js') {
    const native = loadNative();
    if (native.addon) {
      const { listen, close, delayMs, bodyBytes } = options;
      const reason = `--target-engine ${engine}: the native target is built here (${threads} thread${threads === 1 ? '' : 's'})`;
      try {
        return Promise.resolve(
          startNativeTarget(native.addon, { listen, threads, close, protocol, delayMs, bodyBytes, headTimeoutMs, idleTimeoutMs }, reason),
        );
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    if (engine === 'native' || protocol === 'tcp')
      return Promise.reject(
        new PreflightError(
          `${engine === 'native' ? '--target-engine native' : '--target-protocol tcp'}: the native target is ${native.reason}`,
        ),
      );
    return startJsTarget(
      { ...options, headTimeoutMs, idleTimeoutMs },
      `--target-engine auto: the native target is ${native.reason}, so the JavaScript one ran`,
    );
  }
  if (protocol === 'tcp')
    return Promise.reject(new PreflightError('--target-protocol tcp needs the native target; --target-engine js speaks HTTP only'));
  return startJsTarget({ ...options, headTimeoutMs, idleTimeoutMs }, '--target-engine js was given');
}

/** The JavaScript target: Node's http server in a worker thread of its own. */
function startJsTarget(options: TargetOptions, reason: string): Promise<BuiltinTarget> {
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
          engine: 'js',
          reason,
          threads: 1,
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
