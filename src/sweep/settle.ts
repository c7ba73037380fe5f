import { procReader } from '../sampler/socket-reader.js';
import type { SampleScope } from '../sampler/tcp-table.js';

/** TIME_WAIT sockets (client and server side) of a stage's 4-tuples, read now. */
export function timeWaitOf(scope: SampleScope): number {
  const counts = procReader(scope).read();
  return (counts.client.TIME_WAIT ?? 0) + (counts.server.TIME_WAIT ?? 0);
}

/** How a `--settle wait` went. */
export interface SettleWait {
  readonly waitedMs: number;
  /** TIME_WAIT still there when the wait ended (0 unless the timeout came first). */
  readonly timeWaitLeft: number;
}

/**
 * Waits until the previous stage's TIME_WAIT is gone, polling once a second, for at most
 * `timeoutMs` (Linux holds TIME_WAIT 60 s, so a little more than that always suffices).
 */
export async function waitForTimeWait(scope: SampleScope, timeoutMs: number, signal?: AbortSignal): Promise<SettleWait> {
  const start = performance.now();
  let left = timeWaitOf(scope);
  while (left > 0 && performance.now() - start < timeoutMs && !signal?.aborted) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, Math.max(0, timeoutMs - (performance.now() - start)))));
    left = timeWaitOf(scope);
  }
  return { waitedMs: Math.round(performance.now() - start), timeWaitLeft: left };
}
