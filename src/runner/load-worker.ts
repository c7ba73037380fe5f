import { parentPort, workerData } from 'node:worker_threads';
import { runLoad } from '../engine/engine.js';
import { snapshotOf } from '../engine/load-snapshot.js';
import type { LoadPart } from '../engine/partition.js';
import { createSourcePicker } from '../engine/source-picker.js';
import type { Plan } from '../plan/plan.js';
import { transportForPlan, type ResolvedTarget } from './transport-for-plan.js';

/** What a load worker thread is given. */
export interface LoadWorkerData {
  readonly plan: Plan;
  readonly part: LoadPart;
  readonly target: ResolvedTarget;
  readonly skipPorts: readonly number[];
  /** The shared start, as `performance.timeOrigin + performance.now()` (the same in every thread). */
  readonly startAbsMs: number;
}

// One worker thread's share of the load: its own event loop, sockets and transport; it sends
// progress once a second and its snapshot at the end.
const data = workerData as LoadWorkerData & { index: number };
// Fault injection for the tests of crash handling: PORTCHURN_FAULT=worker-crash:<index>.
if (process.env.PORTCHURN_FAULT === `worker-crash:${data.index}`) {
  setTimeout(() => {
    throw new Error(`injected crash of load worker ${data.index + 1}`);
  }, 200);
}
const port = parentPort!;
const controller = new AbortController();
port.on('message', (m: string) => m === 'abort' && controller.abort());
const now = (): number => performance.timeOrigin + performance.now();
const plan: Plan = { ...data.plan, sources: data.part.sources, load: data.part.load, requests: data.part.requests };
const transport = transportForPlan(plan, data.target, now);
const outcome = await runLoad({
  transport,
  picker: createSourcePicker(plan.sources, plan.explicitPorts, new Set(data.skipPorts)),
  sourceLabels: plan.sources.length === 0 ? ['kernel'] : plan.sources,
  load: plan.load,
  durationMs: plan.durationMs,
  requests: plan.requests,
  now,
  startMs: data.startAbsMs,
  signal: controller.signal,
  onProgress: (progress) => port.postMessage({ type: 'progress', progress }),
});
await transport.close();
port.postMessage({ type: 'done', snapshot: snapshotOf(outcome.recorder, outcome) });
