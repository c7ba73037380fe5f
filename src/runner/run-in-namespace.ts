import { spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { NamespaceError, fromWire } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import type { RunResult } from '../result/result.js';
import { namespacePrefix } from '../env/namespace-support.js';
import type { SysctlSet } from '../plan/sysctls.js';
import type { StageJob, StageMessage, StageRequest } from './stage-protocol.js';
import type { RunHooks } from './run-plan.js';
import type { Progress } from '../result/progress.js';

export { NamespaceError } from '../errors.js';

/** Runs a plan in a fresh network namespace with the plan's settings (see `runJobInNamespace`). */
export function runPlanInNamespace(plan: Plan, hooks: RunHooks = {}): Promise<RunResult> {
  return runJobInNamespace<RunResult>({ kind: 'run', plan }, plan.netns?.sysctls ?? {}, hooks);
}

/** Where a job's child runs: a fresh namespace (the default), or one that exists, by name (`ip netns exec`). */
export interface JobPlace {
  readonly namespace?: string;
  /** Called when a serve job listens. */
  readonly onReady?: () => void;
}

/**
 * Runs a job in a fresh network namespace: a child process under `unshare` with loopback up and
 * `sysctls` written inside (or, with `place.namespace`, in that named namespace, as the NAT scene's
 * are); whatever the job starts (built-in target, sampler, nginx) runs in there with it. An abort
 * is passed on, so the child returns what it measured; if this process dies, the child sees its
 * IPC channel close and ends (and a fresh namespace with it).
 */
export function runJobInNamespace<T>(job: StageJob, sysctls: SysctlSet, hooks: RunHooks = {}, place: JobPlace = {}): Promise<T> {
  const prefix = place.namespace === undefined ? namespacePrefix() : ['ip', 'netns', 'exec', place.namespace];
  const child = spawn(prefix[0]!, [...prefix.slice(1), process.execPath, new URL('../stage/child.js', import.meta.url).pathname], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const onAbort = (): void => void (child.connected && child.send({ type: 'abort' }));
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    child.on('message', (message: StageMessage) => {
      if (message.type === 'progress') hooks.onProgress?.(message.progress as Progress);
      else if (message.type === 'ready') place.onReady?.();
      else if (message.type === 'result') {
        settled = true;
        resolve(message.result as T);
      } else {
        settled = true;
        // Our errors keep their class (a ProxyError stays one, with the proxy's own words); others are named.
        reject(fromWire(message.error));
      }
    });
    child.on('error', (error) => reject(new NamespaceError(`cannot start the namespace stage: ${error.message}`)));
    child.on('exit', (code, signal) => {
      hooks.signal?.removeEventListener('abort', onAbort);
      if (!settled)
        reject(
          new NamespaceError(
            `the namespace stage ended without a result (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').at(-1) ?? ''}`,
          ),
        );
    });
    child.send({ job, sysctls, parentNetns: readlinkSync('/proc/self/ns/net') } satisfies StageRequest);
  });
}
