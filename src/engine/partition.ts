import type { LoadModel } from '../plan/plan.js';

/** One worker thread's share of a load. */
export interface LoadPart {
  readonly sources: readonly string[];
  /** Each of `sources`' index in the whole load's list (where its counts go); empty in kernel mode. */
  readonly sourceIndices: readonly number[];
  readonly load: LoadModel;
  readonly requests: number | null;
}

function split(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

/**
 * Splits a load across `workers` threads: source addresses dealt round-robin (so each address
 * belongs to one worker, and explicit port cursors never clash), connections or rate and the
 * request count divided as evenly as whole numbers allow. Never more workers than connections,
 * or than sources when there are sources. Pure.
 */
export function partitionLoad(plan: { sources: readonly string[]; load: LoadModel; requests: number | null }, workers: number): LoadPart[] {
  let n = Math.max(1, Math.floor(workers));
  if (plan.sources.length > 0) n = Math.min(n, plan.sources.length);
  if (plan.load.kind === 'closed') n = Math.min(n, plan.load.connections);
  if (plan.requests !== null) n = Math.min(n, plan.requests);
  const indices = Array.from({ length: n }, (_, w) => plan.sources.map((_, i) => i).filter((i) => i % n === w));
  const requests = plan.requests === null ? null : split(plan.requests, n);
  const load: LoadModel[] =
    plan.load.kind === 'closed'
      ? split(plan.load.connections, n).map((connections) => ({ kind: 'closed', connections }))
      : split(plan.load.maxInFlight, n).map((maxInFlight) => ({
          kind: 'open',
          ratePerSec: (plan.load as { ratePerSec: number }).ratePerSec / n,
          maxInFlight: Math.max(1, maxInFlight),
        }));
  return Array.from({ length: n }, (_, w) => ({
    sources: indices[w]!.map((i) => plan.sources[i]!),
    sourceIndices: indices[w]!,
    load: load[w]!,
    requests: requests === null ? null : requests[w]!,
  }));
}
