import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import type { Plan } from '../plan/plan.js';
import { runPlan } from '../run.js';
import type { SysctlSet } from './sysctls.js';

/** What the parent sends the namespace child. */
export interface StageRequest {
  readonly plan: Plan;
  readonly sysctls: SysctlSet;
  /** The parent's network namespace (`net:[inode]`); the child refuses to write settings in it. */
  readonly parentNetns: string;
}

/** What the child sends back. */
export type StageMessage =
  | { readonly type: 'progress'; readonly progress: unknown }
  | { readonly type: 'result'; readonly result: unknown }
  | { readonly type: 'error'; readonly name: string; readonly message: string };

const send = (message: StageMessage): Promise<void> => new Promise((resolve) => process.send!(message, () => resolve()));

/**
 * The child process of a namespaced stage, started by `unshare -n`: it checks it really is in a
 * new network namespace, brings loopback up, writes the stage's settings, runs the stage and
 * sends the result back. When it exits, the kernel removes the namespace and every socket and
 * TIME_WAIT in it; nothing is left on the host.
 */
async function stage(request: StageRequest): Promise<void> {
  const controller = new AbortController();
  process.on('message', (m: { type?: string }) => m?.type === 'abort' && controller.abort());
  // The parent is gone (crashed or killed): stop at once; the namespace dies with this process.
  process.on('disconnect', () => {
    controller.abort();
    setTimeout(() => process.exit(1), 2000).unref();
  });
  if (readlinkSync('/proc/self/ns/net') === request.parentNetns) throw new Error('not in a new network namespace: refusing to change settings');
  const up = spawnSync('ip', ['link', 'set', 'lo', 'up']);
  if (up.status !== 0) throw new Error(`cannot bring loopback up in the namespace: ${String(up.stderr).trim()}`);
  for (const [name, value] of Object.entries(request.sysctls)) {
    const path = `/proc/sys/${name.replace(/\./g, '/')}`;
    writeFileSync(path, value);
    const read = readFileSync(path, 'utf8').trim().replace(/\s+/g, ' ');
    if (read !== value.replace(/\s+/g, ' ')) throw new Error(`${name}: wrote '${value}', the kernel kept '${read}'`);
  }
  const result = await runPlan(request.plan, { signal: controller.signal, onProgress: (progress) => void send({ type: 'progress', progress }) });
  await send({ type: 'result', result });
}

// Ctrl-C reaches the whole process group; the parent decides what a signal means and tells us
// (abort), so that the partial result still travels back.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

process.once('message', (request: StageRequest) => {
  stage(request)
    .catch((error: Error) => send({ type: 'error', name: error.name, message: error.message }))
    .finally(() => process.exit(0));
});
