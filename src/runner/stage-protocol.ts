import type { WireError } from '../errors.js';
import type { ProxyVariantSpec } from '../plan/proxy-variants.js';
import type { Plan } from '../plan/plan.js';
import type { SysctlSet } from '../plan/sysctls.js';

/** A job the namespace child can run: a plan, or one variant of the proxy scenario. */
export type StageJob = { readonly kind: 'run'; readonly plan: Plan } | { readonly kind: 'proxy'; readonly spec: ProxyVariantSpec };

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
  | { readonly type: 'result'; readonly result: unknown }
  | { readonly type: 'error'; readonly error: WireError };
