import type { ResultHeader } from './header.js';
import type { RunResult } from './result.js';
import type { Environment } from './environment.js';
import type { Axis, SettlePolicy } from '../plan/sweep-axes.js';
import type { PortMode } from '../plan/plan.js';

/** How a stage was kept clear of the TIME_WAIT of the stages before it. */
export interface StageSettle {
  readonly policy: SettlePolicy;
  /** settle fresh: the loopback block (127.<block>.x.x) its fresh addresses came from. */
  readonly block: number | null;
  /** settle wait: how long it waited, and what TIME_WAIT was left when it started. */
  readonly waitedMs: number | null;
  readonly timeWaitLeft: number | null;
}

/** The size of a stage's 4-tuple space: sources x destinations x ports per source. */
export interface TupleSpace {
  readonly sources: number;
  readonly destinations: number;
  readonly ports: number;
}

/** One stage of a sweep: its axis value, how it settled, and its full run result. */
export interface StageResult {
  readonly index: number;
  readonly axisValue: string;
  readonly settle: StageSettle;
  readonly space: TupleSpace;
  readonly run: RunResult;
}

/** The result of `portchurn sweep` (and `npm start`). Stage 0 is the baseline. */
export interface SweepResult extends ResultHeader<'sweep'> {
  readonly axis: Axis;
  /** Every value asked for, including stages that did not run. */
  readonly values: readonly string[];
  readonly settle: { readonly policy: SettlePolicy; readonly timeoutMs: number };
  readonly environment: Environment | null;
  readonly stages: readonly StageResult[];
  /**
   * Labelled reference rows run beside the stages, never the baseline: for a sources sweep, the
   * unbound kernel path (`--reference kernel`). Absent in results from before 0.2.
   */
  readonly references?: readonly StageResult[];
  /**
   * The port mode a sources sweep chose for its stages when --port-mode was not given, and why:
   * nobind where the native engine runs the sweep, bind where the JavaScript engine does.
   * Absent when the user chose, on other axes, and in results from before 0.3.
   */
  readonly portModeChoice?: { readonly mode: PortMode; readonly why: string };
  readonly warnings: readonly string[];
}
