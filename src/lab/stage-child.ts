import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import type { Progress } from '../engine/engine.js';
import type { NginxVariantSpec } from '../nginx/run-variant.js';
import type { Plan } from '../plan/plan.js';
import { runPlan } from '../run.js';
import type { SysctlSet } from './sysctls.js';

/** A job the namespace child can run: a plan, or one variant of the nginx scenario. */
export type StageJob = { readonly kind: 'run'; readonly plan: Plan } | { readonly kind: 'nginx'; readonly spec: NginxVariantSpec };

/** What the parent sends the namespace child. */
export interface StageRequest {
  readonly job: StageJob;
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
  const hooks = { signal: controller.signal, onProgress: (progress: Progress) => void send({ type: 'progress', progress }) };
  const job = request.job;
  // The nginx module is loaded only for its job, so plain runs do not pay for it.
  const result = job.kind === 'run' ? await runPlan(job.plan, hooks) : await (await import('../nginx/run-variant.js')).runNginxVariant(job.spec, hooks);
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
