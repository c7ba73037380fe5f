import { PreflightError } from '../errors.js';
import { loadNative, type NativeAddon } from '../engine/native/addon.js';
import type { Plan } from '../plan/plan.js';

/** The engine a run uses, and what the result should say about the choice. */
export type EngineDecision =
  { readonly engine: 'native'; readonly addon: NativeAddon; readonly note: null } | { readonly engine: 'js'; readonly note: string | null };

/** Why the native engine cannot run this plan, or null when it can. */
function unsupported(plan: Plan, protocol: 'http' | 'https' | 'tcp'): string | null {
  if (protocol === 'https') return 'it has no TLS (https targets run on the JavaScript engine)';
  if (plan.close === 'keepalive' && plan.keepaliveClient === 'undici')
    return "it is not undici (--keepalive-client undici runs undici's pool on the JavaScript engine)";
  return null;
}

/**
 * Why `--engine auto` would run this plan on the JavaScript engine, or null when the native
 * engine would run it (a sweep chooses its stages' port mode from this).
 */
export function whyNotNative(plan: Plan, protocol: 'http' | 'https' | 'tcp'): string | null {
  if (plan.engine === 'js') return '--engine js was given';
  const native = loadNative();
  if (native.addon === null) return `the native engine is ${native.reason}`;
  const why = unsupported(plan, protocol);
  return why === null ? null : `the native engine cannot run it: ${why}`;
}

/**
 * `--engine auto` takes the native engine where it loaded and can run the plan, the JavaScript
 * engine otherwise (the result says why); `--engine native` insists (PreflightError, exit 2, when
 * it cannot); `--engine js` never loads it. `--port-mode nobind` exists only natively.
 */
export function chooseEngine(plan: Plan, protocol: 'http' | 'https' | 'tcp'): EngineDecision {
  if (plan.engine === 'js') return { engine: 'js', note: null };
  const native = loadNative();
  const why = native.addon === null ? null : unsupported(plan, protocol);
  const cannot =
    native.addon === null ? `the native engine is ${native.reason}` : why === null ? null : `the native engine cannot run this: ${why}`;
  if (cannot === null && native.addon) return { engine: 'native', addon: native.addon, note: null };
  if (plan.engine === 'native') throw new PreflightError(`--engine native: ${cannot}`);
  if (plan.portMode === 'nobind') throw new PreflightError(`--port-mode nobind needs the native engine, and ${cannot}`);
  if (plan.socketPortRange) throw new PreflightError(`--socket-port-range needs the native engine, and ${cannot}`);
  return { engine: 'js', note: native.addon === null ? `${cannot}: the JavaScript engine ran` : null };
}
