import type { ClosePolicy, PortMode } from '../plan/plan.js';
import type { CapacityPlan } from '../result/limits-report.js';

/** Inputs for one row. */
export interface CapacityRowInput {
  readonly name: string;
  readonly usablePorts: number;
  /** Seconds a port stays unusable after the client closes first (TIME_WAIT, or the reuse delay). */
  readonly holdSec: number;
  readonly destinations: number;
  readonly portMode: PortMode;
  readonly close: ClosePolicy;
  readonly ratePerSec: number | null;
  /** Whether Linux's port search applies (this host, its profiles, Linux's defaults): then the fast budget is given too. */
  readonly linuxSearch: boolean;
}

/**
 * The share of a (source, destination) pair's range that goes at one probe a call on Linux: half
 * for connect()'s search (one parity first), a quarter for bind()'s (one parity of the lower half);
 * model/port-search.ts says why.
 */
export function fastShare(portMode: PortMode): number {
  return portMode === 'bind' ? 1 / 4 : 1 / 2;
}

/**
 * The planning question in reverse: for a wanted rate of new connections, how many source
 * addresses (as for nginx's proxy_bind split) or how wide a port range would sustain it.
 * sources = ceil(rate x hold / (ports x destinations)); bind() does not count destinations. On
 * Linux, a second budget: the rate at which the port search stays at one probe a call (half the
 * range a hold for connect(), a quarter for bind()), and the sources that keep a rate under it.
 */
export function planCapacity(input: CapacityRowInput): CapacityPlan {
  if (input.close !== 'client') {
    return {
      name: input.name,
      usablePorts: input.usablePorts,
      holdSec: null,
      perSourcePerSec: null,
      sourcesNeeded: input.ratePerSec === null ? null : 1,
      portsNeededOneSource: null,
      fastPerSourcePerSec: null,
      fastSourcesNeeded: input.ratePerSec === null ? null : 1,
    };
  }
  const destinations = input.portMode === 'bind' ? 1 : input.destinations;
  const perSourcePerSec = (input.usablePorts * destinations) / input.holdSec;
  const rate = input.ratePerSec;
  const portsNeeded = rate === null ? null : Math.ceil((rate * input.holdSec) / destinations);
  const fastPerSourcePerSec = input.linuxSearch
    ? (Math.floor(input.usablePorts * fastShare(input.portMode)) * destinations) / input.holdSec
    : null;
  return {
    name: input.name,
    usablePorts: input.usablePorts,
    holdSec: input.holdSec,
    perSourcePerSec,
    sourcesNeeded: rate === null ? null : Math.max(1, Math.ceil(rate / perSourcePerSec)),
    portsNeededOneSource: portsNeeded !== null && portsNeeded <= 64511 ? portsNeeded : null,
    fastPerSourcePerSec,
    fastSourcesNeeded: rate === null || fastPerSourcePerSec === null ? null : Math.max(1, Math.ceil(rate / fastPerSourcePerSec)),
  };
}
