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
}

/**
 * The planning question in reverse: for a wanted rate of new connections, how many source
 * addresses (as for nginx's proxy_bind split) or how wide a port range would sustain it.
 * sources = ceil(rate x hold / (ports x destinations)); bind() does not count destinations.
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
    };
  }
  const destinations = input.portMode === 'bind' ? 1 : input.destinations;
  const perSourcePerSec = (input.usablePorts * destinations) / input.holdSec;
  const rate = input.ratePerSec;
  const portsNeeded = rate === null ? null : Math.ceil((rate * input.holdSec) / destinations);
  return {
    name: input.name,
    usablePorts: input.usablePorts,
    holdSec: input.holdSec,
    perSourcePerSec,
    sourcesNeeded: rate === null ? null : Math.max(1, Math.ceil(rate / perSourcePerSec)),
    portsNeededOneSource: portsNeeded !== null && portsNeeded <= 64511 ? portsNeeded : null,
  };
}
