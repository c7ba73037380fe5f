import { runLoad } from './engine.js';
import type { EngineOutcome, LoadEngine, LoadHooks, LoadJob, LoadPart } from '../load-engine.js';
import { mergeSnapshots, snapshotOf, type LoadSnapshot } from '../load-snapshot.js';
import { sumProgress } from '../progress-meter.js';
import type { Progress } from '../../result/progress.js';
import { createSourcePicker } from './source-picker.js';
import { transportFor } from './transport-for-job.js';

/** How one part runs in this thread: its clock, and when the whole load started on it. */
export interface PartClock {
  readonly now: () => number;
  /** The whole load's start (worker threads share one), when earlier than this call. */
  readonly startMs?: number;
}

/**
 * One part of a load on Node's sockets in this thread: its transport, its source picker, the
 * engine loop; the transport is closed whatever happens. Counts are kept under the whole load's
 * source labels, so the parts' snapshots merge by address.
 */
export async function runPart(job: LoadJob, part: LoadPart, clock: PartClock, hooks: LoadHooks): Promise<LoadSnapshot> {
  const transport = transportFor(job, part, clock.now);
  try {
    const outcome = await runLoad({
      transport,
      picker: createSourcePicker(part.sources, job.explicitPorts, new Set(job.skipPorts)),
      sourceLabels: job.sourceLabels,
      sourceIndices: part.sourceIndices,
      load: part.load,
      durationMs: job.durationMs,
      requests: part.requests,
      now: clock.now,
      ...(clock.startMs === undefined ? {} : { startMs: clock.startMs }),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    });
    return snapshotOf(outcome.recorder, outcome);
  } finally {
    await transport.close();
  }
}

/**
 * The JavaScript engine in this thread: every part of the job on one event loop (a plan with one
 * worker has one part), each with its own transport, their snapshots merged exactly.
 */
export const jsEngine: LoadEngine = {
  name: 'js',
  async run(job: LoadJob, hooks: LoadHooks): Promise<EngineOutcome> {
    const now = (): number => performance.now();
    const startMs = now();
    if (job.parts.length === 1) return { snapshot: await runPart(job, job.parts[0]!, { now, startMs }, hooks), failures: [] };
    // Several parts on one thread: their latest lines summed into one.
    const latest: (Progress | null)[] = job.parts.map(() => null);
    const onProgress = (i: number, line: Progress): void => {
      latest[i] = line;
      if (i === 0) hooks.onProgress?.(sumProgress(latest.filter((p): p is Progress => p !== null)));
    };
    const signal = hooks.signal ? { signal: hooks.signal } : {};
    const snapshots = await Promise.all(
      job.parts.map((part, i) => runPart(job, part, { now, startMs }, { ...signal, onProgress: (line) => onProgress(i, line) })),
    );
    return { snapshot: mergeSnapshots(snapshots), failures: [] };
  },
};
