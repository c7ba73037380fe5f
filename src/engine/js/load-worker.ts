import { parentPort, workerData } from 'node:worker_threads';
import { runPart } from './js-engine.js';
import type { LoadJob, LoadPart } from '../load-engine.js';

/** What a load worker thread is given. */
export interface LoadWorkerData {
  /** The whole load (its request crosses as a Uint8Array). */
  readonly job: LoadJob;
  /** This thread's share. */
  readonly part: LoadPart;
  /** The shared start, as `performance.timeOrigin + performance.now()` (the same in every thread). */
  readonly startAbsMs: number;
  readonly index: number;
}

// One worker thread's share of the load: its own event loop, sockets and transport; it sends
// progress once a second and its snapshot at the end.
const data = workerData as LoadWorkerData;
// Fault injection for the tests of crash handling: PORTCHURN_FAULT=worker-crash:<index> makes that
// worker throw as it starts, so the crash happens in every run, however short, and never by luck.
if (process.env.PORTCHURN_FAULT === `worker-crash:${data.index}`) {
  throw new Error(`injected crash of load worker ${data.index + 1}`);
}
const port = parentPort!;
const controller = new AbortController();
port.on('message', (m: string) => m === 'abort' && controller.abort());
const now = (): number => performance.timeOrigin + performance.now();
const snapshot = await runPart(
  data.job,
  data.part,
  { now, startMs: data.startAbsMs },
  { signal: controller.signal, onProgress: (progress) => port.postMessage({ type: 'progress', progress }) },
);
port.postMessage({ type: 'done', snapshot });
