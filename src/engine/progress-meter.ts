import type { Progress } from '../result/progress.js';
import { Pacer } from './pacer.js';

/** The running totals a progress line is made of. */
export interface LoadTotals {
  readonly attempts: number;
  readonly ok: number;
  readonly errors: number;
}

/**
 * Turns running totals, read once a second, into progress lines: the totals and what the last
 * second added. Every engine reports through one of these, so their lines mean the same.
 */
export class ProgressMeter {
  private last: LoadTotals = { attempts: 0, ok: 0, errors: 0 };

  constructor(private readonly startMs: number) {}

  /** The line for this reading (`nowMs` on the load's clock), with the errors by code and the latency buckets when given. */
  next(nowMs: number, totals: LoadTotals, inFlight: number, live?: Pick<Progress, 'errorCodes' | 'latency'>): Progress {
    const { last } = this;
    this.last = totals;
    return {
      elapsedMs: nowMs - this.startMs,
      ...totals,
      inFlight,
      lastSecond: { attempts: totals.attempts - last.attempts, ok: totals.ok - last.ok, errors: totals.errors - last.errors },
      ...live,
    };
  }
}

/** Several threads' latest lines as one: counts summed, the elapsed time of the first. */
export function sumProgress(lines: readonly Progress[]): Progress {
  const sum = (f: (p: Progress) => number): number => lines.reduce((a, p) => a + f(p), 0);
  return {
    elapsedMs: lines[0]?.elapsedMs ?? 0,
    attempts: sum((p) => p.attempts),
    ok: sum((p) => p.ok),
    errors: sum((p) => p.errors),
    inFlight: sum((p) => p.inFlight),
    lastSecond: {
      attempts: sum((p) => p.lastSecond?.attempts ?? 0),
      ok: sum((p) => p.lastSecond?.ok ?? 0),
      errors: sum((p) => p.lastSecond?.errors ?? 0),
    },
    ...liveSum(lines),
  };
}

/** The threads' errors by code and latency buckets, added (each is cumulative in its thread). */
function liveSum(lines: readonly Progress[]): Pick<Progress, 'errorCodes' | 'latency'> {
  const withLatency = lines.filter((p) => p.latency);
  const errorCodes: Record<string, number> = {};
  for (const p of lines) for (const [code, n] of Object.entries(p.errorCodes ?? {})) errorCodes[code] = (errorCodes[code] ?? 0) + (n ?? 0);
  if (withLatency.length === 0) return lines.some((p) => p.errorCodes) ? { errorCodes } : {};
  const first = withLatency[0]!.latency!;
  return {
    errorCodes,
    latency: {
      boundsUs: first.boundsUs,
      counts: first.counts.map((_, i) => withLatency.reduce((a, p) => a + (p.latency!.counts[i] ?? 0), 0)),
      count: withLatency.reduce((a, p) => a + p.latency!.count, 0),
      sumUs: withLatency.reduce((a, p) => a + p.latency!.sumUs, 0),
    },
  };
}

/**
 * Open loop: requests the schedule called for by the end of the load (or its deadline, whichever
 * came first) that were never sent, because the in-flight window was full when the load ended.
 * Bounded by the request count; 0 for a closed loop (`ratePerSec` null).
 */
export function unsentOf(load: {
  readonly ratePerSec: number | null;
  readonly startMs: number;
  readonly endMs: number;
  readonly durationMs: number | null;
  readonly requests: number | null;
  readonly attempts: number;
}): number {
  if (load.ratePerSec === null) return 0;
  const until = load.durationMs === null ? load.endMs : Math.min(load.endMs, load.startMs + load.durationMs);
  const scheduled = Pacer.dueBefore(load.startMs, until, load.ratePerSec);
  return Math.max(0, Math.min(load.requests ?? Infinity, scheduled) - load.attempts);
}
