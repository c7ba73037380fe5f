import type { CpuTime } from './environment.js';

/**
 * What held a stage's rate where it was, decided from what was measured:
 * - `tw-table`: the TIME_WAIT table was full (TcpExt TCPTimeWaitOverflow rose), so closes skipped
 *   TIME_WAIT and the stage measured a kernel without it;
 * - `ports`: source ports ran out (EADDRNOTAVAIL, EADDRINUSE);
 * - `port-search`: no port ran out, but the rate fell while TIME_WAIT grew and kernel time
 *   dominated: bind() walks the range past ports in TIME_WAIT;
 * - `target`: the target refused, reset, timed out, answered 5xx or dropped from its accept queue,
 *   or the built-in target (its busiest thread) was busy;
 * - `generator-cpu`: portchurn's own threads were busy;
 * - `none`: nothing above; the rate is what the load model asked for.
 */
export type LimitCause = 'tw-table' | 'ports' | 'port-search' | 'target' | 'generator-cpu' | 'none';

/** A stage's cause and the figures that show it, in a sentence. */
export interface LimitedBy {
  readonly cause: LimitCause;
  readonly because: string;
}

/** CPU time of a stage: the generator's (this process but the target's threads) and the built-in target's threads. */
export interface StageCpu {
  /** The load's wall-clock time the CPU times are shares of. */
  readonly wallMs: number;
  /** Every thread of the generator process except the built-in target's: load threads, sampler, Node's own. */
  readonly generator: CpuTime;
  /** The built-in target's threads, summed; null for a target outside portchurn. */
  readonly target: CpuTime | null;
  /** Event-loop threads the load ran on (--workers): each can keep at most one core busy. */
  readonly generatorThreads: number;
  /** The native built-in target's threads one by one, when it ran on more than one (their sum is `target`). */
  readonly targetThreads?: readonly CpuTime[];
}
