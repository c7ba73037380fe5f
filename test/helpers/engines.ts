import type { TestContext } from 'node:test';
import { loadNative } from '../../src/addon/addon.js';
import { prerequisite } from './prereq.js';

/** Both engines: behaviour tests run once for each (`[native] ...`, `[js] ...`). */
export const ENGINES = ['native', 'js'] as const;

/** The engine can run here; in CI a native engine that did not build fails the test. */
export function engineReady(t: TestContext, engine: (typeof ENGINES)[number]): boolean {
  if (engine === 'js') return true;
  const native = loadNative();
  return prerequisite(t, native.addon !== null, `the native engine is ${native.addon === null ? native.reason : 'there'}`);
}
