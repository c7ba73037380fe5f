/** What a sweep grows from stage to stage. */
export type Axis = 'sources' | 'dst-addresses' | 'dst-ports' | 'rate' | 'port-mode' | 'close' | 'port-range';

/**
 * How stages avoid inheriting TIME_WAIT from the stage before:
 * - `fresh`: each stage takes source (and built-in target) addresses no earlier stage used;
 * - `wait`: the next stage waits until the previous stage's TIME_WAIT is gone (bounded);
 * - `none`: no precaution; the carry-over is part of what is measured.
 */
export type SettlePolicy = 'fresh' | 'wait' | 'none';

export const AXES: readonly Axis[] = ['sources', 'dst-addresses', 'dst-ports', 'rate', 'port-mode', 'close', 'port-range'];

export const SETTLE_POLICIES: readonly SettlePolicy[] = ['fresh', 'wait', 'none'];

/**
 * Reference rows a sweep can run beside its stages: `kernel`, the unbound connect() path; `bind`,
 * bind() over as many addresses as the last stage (beside nobind stages, the same addresses
 * through the other port path); `none`.
 */
export type Reference = 'kernel' | 'bind' | 'none';

export const REFERENCES: readonly Reference[] = ['kernel', 'bind', 'none'];
