import type { ClosePolicy, PortMode } from '../plan/plan.js';

/** One system or profile's answer to "how many sources for this rate". */
export interface CapacityPlan {
  readonly name: string;
  readonly usablePorts: number;
  readonly holdSec: number | null;
  /** New connections per second one source address sustains; null when not port-bound. */
  readonly perSourcePerSec: number | null;
  /** Source addresses needed for the asked rate; 1 when not port-bound; null when no rate asked. */
  readonly sourcesNeeded: number | null;
  /** Ports needed with a single source address; null when more than 65,535 would be needed or no rate asked. */
  readonly portsNeededOneSource: number | null;
}

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
    return { name: input.name, usablePorts: input.usablePorts, holdSec: null, perSourcePerSec: null, sourcesNeeded: input.ratePerSec === null ? null : 1, portsNeededOneSource: null };
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
