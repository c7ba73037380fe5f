import type { ClosePolicy, LoadModel, PortMode } from '../plan/plan.js';
import type { PortRange } from '../plan/ports.js';
import type { Protocol } from '../plan/target-url.js';
import type { Progress } from '../result/progress.js';
import type { LoadSnapshot } from './load-snapshot.js';
import type { LoadPart } from './partition.js';

export type { LoadPart } from './partition.js';

/** How long attempts still in flight when a run is interrupted get to finish; past it they end as ABORTED. */
export const GRACE_MS = 2000;

/** The label of the one source a load has when the kernel chooses the address (kernel mode, no --sources). */
export const KERNEL_SOURCE = 'kernel';

/** The labels a load counts its sources by: the addresses, or `kernel` when the kernel chooses. */
export function sourceLabelsOf(sources: readonly string[]): readonly string[] {
  return sources.length === 0 ? [KERNEL_SOURCE] : sources;
}

/** One place a load sends to: an IP literal and a real port (names are resolved before the load). */
export interface Destination {
  readonly host: string;
  readonly port: number;
}

/** What every attempt of a load sends and expects, built once from the plan before the load starts. */
export interface LoadTarget {
  readonly protocol: Protocol;
  readonly destinations: readonly Destination[];
  /** TLS server name: the host name the user gave, or null when they gave an address. */
  readonly servername: string | null;
  /**
   * What every attempt writes, serialised once: the HTTP request (asking `Connection: close`
   * when the server is to close first), or the raw TCP payload, or null (TCP: nothing to send).
   */
  readonly request: Uint8Array | null;
  /** HTTP HEAD: the response has no body. */
  readonly headRequest: boolean;
  /** Raw TCP: bytes to read before the attempt counts as done (0: done once the payload is sent). */
  readonly expectBytes: number;
  /** The request's parts, for undici's pool (`--keepalive-client undici`), which builds its own bytes. */
  readonly http: {
    readonly path: string;
    readonly method: string;
    readonly headers: readonly (readonly [string, string])[];
    readonly body: string | null;
  };
}

/**
 * A load, ready for any engine: where it goes, how each connection gets its source and ends, its
 * bounds, and its parts (one per thread). The runner builds it once from the plan.
 */
export interface LoadJob {
  readonly target: LoadTarget;
  readonly portMode: PortMode;
  /** Explicit mode: the ports cycled per source; null otherwise. */
  readonly explicitPorts: PortRange | null;
  /** Explicit mode: ports something listens on, never chosen. */
  readonly skipPorts: readonly number[];
  /** IP_LOCAL_PORT_RANGE on every socket (native engine); null: not set. */
  readonly socketPortRange: PortRange | null;
  readonly close: ClosePolicy;
  readonly keepaliveClient: 'raw' | 'undici';
  /** Per attempt, from its start; past it the attempt ends as TIMEOUT. */
  readonly timeoutMs: number;
  /** Accept a self-signed certificate (https). */
  readonly insecure: boolean;
  /** The native engine times its bind() and connect() calls (the JavaScript engine cannot). */
  readonly callTimes: boolean;
  /** Every source's label, in the plan's order; the parts' `sourceIndices` point into it. */
  readonly sourceLabels: readonly string[];
  /** The whole load's model. */
  readonly load: LoadModel;
  /** How long the load runs; null: no bound (then `requests` bounds it). */
  readonly durationMs: number | null;
  /** How many attempts the load makes; null: no bound (then `durationMs` bounds it). */
  readonly requests: number | null;
  /** One per thread: its sources, its share of the concurrency (or rate) and of the requests. */
  readonly parts: readonly LoadPart[];
}

/** Ways to follow and stop a load; no library code prints. */
export interface LoadHooks {
  /** Aborting stops sending; in-flight attempts get GRACE_MS, and what was measured is returned, `interrupted`. */
  readonly signal?: AbortSignal;
  /** Called once a second during the load, with the whole load's totals. */
  readonly onProgress?: (progress: Progress) => void;
}

/** What an engine hands back: everything measured, and what went wrong without losing it (a crashed thread, lost records). */
export interface EngineOutcome {
  readonly snapshot: LoadSnapshot;
  /** Each failure a sentence; the result lists them and the CLI exits 1. */
  readonly failures: readonly string[];
}

/**
 * A way to run a load: the JavaScript engine in this thread, JavaScript worker threads, or the
 * native engine's epoll threads. Each runs every part of the job and merges what they measured.
 */
export interface LoadEngine {
  /** What the result names: `native` or `js`. */
  readonly name: 'native' | 'js';
  run(job: LoadJob, hooks: LoadHooks): Promise<EngineOutcome>;
}
