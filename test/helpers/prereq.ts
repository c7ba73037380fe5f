import type { TestContext } from 'node:test';

/** True when running in CI, where a missing prerequisite must fail the test, never skip it. */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Returns true when `ok`. Otherwise: in CI the test fails with `reason`; elsewhere it is
 * skipped with that reason and the caller returns.
 */
export function prerequisite(t: TestContext, ok: boolean, reason: string): boolean {
  if (ok) return true;
  if (IN_CI) throw new Error(`prerequisite missing in CI: ${reason}`);
  t.skip(reason);
  return false;
}

/** True when this process runs as root. */
export const IS_ROOT = process.getuid?.() === 0;
