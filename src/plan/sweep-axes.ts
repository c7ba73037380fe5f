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

/** Reference rows a sweep can run beside its stages. */
export type Reference = 'kernel' | 'none';

export const REFERENCES: readonly Reference[] = ['kernel', 'none'];
