import { toWire } from '../errors.js';
import { enterStageNamespace } from '../runner/enter-namespace.js';
import { runPlan } from '../runner/run-plan.js';
import { startBuiltinTarget } from '../builtin-target/builtin-target.js';
import { localIpv6Prefix } from '../plan/local-prefix.js';
import type { StageJob, StageRequest, StageMessage } from '../runner/stage-protocol.js';
import { loadNative } from '../addon/addon.js';
import { writeFileSync } from 'node:fs';
import type { Progress } from '../result/progress.js';

const send = (message: StageMessage): Promise<void> => new Promise((resolve) => process.send!(message, () => resolve()));

/**
 * The port-search probe in this namespace: each step on a range of its own (one step's TIME_WAIT
 * would hold another's ports otherwise), the times of each as a plain array.
 */
function probe(job: Extract<StageJob, { kind: 'probe' }>): { steps: number[][]; tookMs: number } {
  const native = loadNative();
  if (!native.addon) throw new Error(`the port-search probe needs the native addon, which is ${native.reason}`);
  const addon = native.addon;
  const started = performance.now();
  const steps = job.steps.map((step) => {
    writeFileSync('/proc/sys/net/ipv4/ip_local_port_range', step.range);
    return [...new Uint32Array(addon.probePortSearch(step.call, step.count))];
  });
  return { steps, tookMs: performance.now() - started };
}

/** The built-in target alone, until the parent aborts; its counts are the result. */
async function serve(job: Extract<StageJob, { kind: 'serve' }>, signal: AbortSignal): Promise<unknown> {
  const target = await startBuiltinTarget({ listen: job.listen, close: job.close, delayMs: 0, bodyBytes: 2 });
  await send({ type: 'ready' });
  if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  return target.close();
}

/**
 * The child process of a namespaced stage, started by `unshare -n` (src/runner/run-in-namespace.ts
 * starts this file by its path; nothing imports it): a program of its own, in a layer of its own
 * above the proxy scenario it may run and below the CLI. It prepares the namespace (enterStageNamespace),
 * runs the job (a plan, or an nginx variant) and sends the result back. When it exits, the
 * kernel removes the namespace and every socket and TIME_WAIT in it; nothing is left on the host.
 */
async function stage(request: StageRequest): Promise<void> {
  const controller = new AbortController();
  process.on('message', (m: { type?: string }) => m?.type === 'abort' && controller.abort());
  // The parent is gone (crashed or killed): stop at once; the namespace dies with this process.
  process.on('disconnect', () => {
    controller.abort();
    setTimeout(() => process.exit(1), 2000).unref();
  });
  const job = request.job;
  enterStageNamespace(request.parentNetns, request.sysctls, job.kind === 'run' ? localIpv6Prefix(job.plan) : null);
  const hooks = { signal: controller.signal, onProgress: (progress: Progress) => void send({ type: 'progress', progress }) };
  // The nginx module is loaded only for its job, so plain runs do not pay for it.
  const result =
    job.kind === 'run'
      ? await runPlan(job.plan, hooks)
      : job.kind === 'probe'
        ? probe(job)
        : job.kind === 'serve'
          ? await serve(job, controller.signal)
          : await (await import('../proxy/run-variant.js')).runProxyVariant(job.spec, hooks);
  await send({ type: 'result', result });
}

// Ctrl-C reaches the whole process group; the parent decides what a signal means and tells us
// (abort), so that the partial result still travels back.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

process.once('message', (request: StageRequest) => {
  stage(request)
    .catch((error: unknown) => send({ type: 'error', error: toWire(error) }))
    .finally(() => process.exit(0));
});
