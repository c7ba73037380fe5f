import type { WireError } from '../errors.js';
import type { ProxyVariantSpec } from '../plan/proxy-variants.js';
import type { Plan } from '../plan/plan.js';
import type { SysctlSet } from '../plan/sysctls.js';

/** A job the namespace child can run: a plan, one variant of the proxy scenario, the port-search probe, or the built-in target alone. */
export type StageJob =
  | { readonly kind: 'run'; readonly plan: Plan }
  | { readonly kind: 'proxy'; readonly spec: ProxyVariantSpec }
  /** The port-search probe: steps in turn, each the searching call timed over a range of its own (none overlaps another's). */
  | { readonly kind: 'probe'; readonly steps: readonly ProbeStep[] }
  /** The built-in target on `listen`, until the parent aborts: it says `ready` once listening, and its counts are the result. */
  | {
      readonly kind: 'serve';
      readonly listen: readonly { readonly host: string; readonly port: number }[];
      readonly close: 'client' | 'server';
    };

/** One step of the port-search probe: `count` connections through `call` in the range `range` ("LOW HIGH"). */
export interface ProbeStep {
  readonly call: 'connect' | 'bind';
  readonly range: string;
  readonly count: number;
}

/** What the parent sends the namespace child. */
export interface StageRequest {
  readonly job: StageJob;
  readonly sysctls: SysctlSet;
  /** The parent's network namespace (`net:[inode]`); the child refuses to write settings in it. */
  readonly parentNetns: string;
}

/** What the child sends back. */
export type StageMessage =
  | { readonly type: 'progress'; readonly progress: unknown }
  /** A serve job listens. */
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly result: unknown }
  | { readonly type: 'error'; readonly error: WireError };
