import { PreflightError } from '../errors.js';
import { jsEngine } from '../engine/js/js-engine.js';
import type { LoadEngine } from '../engine/load-engine.js';
import { loadNative } from '../addon/addon.js';
import { nativeEngine } from '../engine/native/native-engine.js';
import { workerEngine } from '../engine/js/worker-engine.js';
import type { Plan } from '../plan/plan.js';
import type { Protocol } from '../plan/target-url.js';

/** The engine a run uses, why, and the warning the result carries when `auto` could not take the native one. */
export interface EngineDecision {
  readonly engine: LoadEngine;
  /** Why this engine: every result says it. */
  readonly reason: string;
  /** A warning when the native engine was wanted but is missing; null otherwise. */
  readonly note: string | null;
}

/** Why the native engine cannot run this plan, or null when it can. */
function unsupported(plan: Plan, protocol: Protocol): string | null {
  if (protocol === 'https') return 'it has no TLS (https targets run on the JavaScript engine)';
  if (plan.close === 'keepalive' && plan.keepaliveClient === 'undici')
    return "it is not undici (--keepalive-client undici runs undici's pool on the JavaScript engine)";
  return null;
}

/**
 * Why `--engine auto` would run this plan on the JavaScript engine, or null when the native
 * engine would run it (a sweep chooses its stages' port mode from this).
 */
export function whyNotNative(plan: Plan, protocol: Protocol): string | null {
  if (plan.engine === 'js') return '--engine js was given';
  const native = loadNative();
  if (native.addon === null) return `the native engine is ${native.reason}`;
  const why = unsupported(plan, protocol);
  return why === null ? null : `the native engine cannot run it: ${why}`;
}

/** The JavaScript engine for a plan: in this thread, or on `--workers` threads. */
function jsFor(plan: Plan): LoadEngine {
  return plan.workers > 1 ? workerEngine : jsEngine;
}

/**
 * `--engine auto` takes the native engine where it loaded and can run the plan, the JavaScript
 * engine otherwise; `--engine native` insists (PreflightError, exit 2, when it cannot);
 * `--engine js` never loads it. `--port-mode nobind` and `--socket-port-range` exist only
 * natively. The decision names its reason in every case.
 */
export function chooseEngine(plan: Plan, protocol: Protocol): EngineDecision {
  if (plan.engine === 'js') return { engine: jsFor(plan), reason: '--engine js was given', note: null };
  const native = loadNative();
  const why = native.addon === null ? null : unsupported(plan, protocol);
  if (native.addon && why === null)
    return {
      engine: nativeEngine(native.addon),
      reason: `--engine ${plan.engine}: the native engine is built here and runs this plan`,
      note: null,
    };
  const cannot = native.addon === null ? `the native engine is ${native.reason}` : `the native engine cannot run this: ${why}`;
  if (plan.engine === 'native') throw new PreflightError(`--engine native: ${cannot}`);
  if (plan.portMode === 'nobind') throw new PreflightError(`--port-mode nobind needs the native engine, and ${cannot}`);
  if (plan.socketPortRange) throw new PreflightError(`--socket-port-range needs the native engine, and ${cannot}`);
  return {
    engine: jsFor(plan),
    reason: `--engine auto: ${cannot}, so the JavaScript engine ran`,
    // Missing where it was wanted is worth a warning; a plan it cannot run (https) is said in the reason.
    note: native.addon === null ? `${cannot}: the JavaScript engine ran` : null,
  };
}
