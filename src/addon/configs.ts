import { isIP } from 'node:net';
import type { ClosePolicy, PortMode } from '../plan/plan.js';
import type { PortRange } from '../plan/ports.js';
import { NATIVE_ABI } from './abi.js';

/** An IP literal and a port. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * What one native generator thread is given: abi.json's `config`, field for field (the build
 * fails when the two name different fields). A bound that is not there is null.
 */
export interface NativeConfig {
  readonly destinations: readonly HostPort[];
  /** This thread's source addresses; empty in kernel mode. A record's `sourceIndex` points here. */
  readonly sources: readonly string[];
  readonly portMode: PortMode;
  readonly explicitPorts: PortRange | null;
  readonly skipPorts: readonly number[];
  readonly socketPortRange: PortRange | null;
  readonly request: Uint8Array | null;
  readonly http: boolean;
  readonly expectBytes: number;
  readonly headRequest: boolean;
  /** Time bind() and connect() (two clock reads each); false leaves bindNs and connectNs not called. */
  readonly timeCalls: boolean;
  readonly close: ClosePolicy;
  readonly connections: number;
  /** Open loop: attempts per second on schedule; null: closed loop. */
  readonly ratePerSec: number | null;
  readonly startMs: number;
  readonly durationMs: number | null;
  readonly maxAttempts: number | null;
  readonly timeoutMs: number;
  readonly graceMs: number;
}

/** What the native built-in target is given: abi.json's `targetConfig`, field for field. */
export interface NativeTargetConfig {
  /** Port 0: any free port (the same for every thread). */
  readonly listen: readonly HostPort[];
  readonly threads: number;
  readonly close: 'server' | 'client';
  /** http: a request, a 200 answer; tcp: the body written at accept, input read and dropped. */
  readonly protocol: 'http' | 'tcp';
  readonly delayMs: number;
  readonly bodyBytes: number;
  readonly headTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compile-time: each configuration type names exactly its abi.json section's fields. */
export type ConfigsMatchAbi =
  Same<keyof NativeConfig, keyof typeof NATIVE_ABI.config> extends true
    ? Same<keyof NativeTargetConfig, keyof typeof NATIVE_ABI.targetConfig> extends true
      ? true
      : never
    : never;
const CONFIGS_MATCH_ABI: ConfigsMatchAbi = true;

type FieldSpec = { type: string; min?: number; max?: number; nullable?: boolean; values?: string[] };

function typeError(where: string, what: string): TypeError {
  return new TypeError(`native config: ${where} must be ${what}`);
}

function checkNumber(v: unknown, where: string, min: number, max: number, integer: boolean): void {
  if (typeof v !== 'number') throw typeError(where, 'a number');
  if (!(v >= min && v <= max) || (integer && !Number.isInteger(v)))
    throw new RangeError(`native config: ${where} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not ${v}`);
}

function checkArray(v: unknown, where: string, min: number, max: number): readonly unknown[] {
  if (!Array.isArray(v)) throw typeError(where, 'an array');
  if (v.length < min || v.length > max)
    throw new RangeError(`native config: ${where} must have from ${min} to ${max} entries, not ${v.length}`);
  return v;
}

function checkIp(v: unknown, where: string): void {
  if (typeof v !== 'string' || isIP(v) === 0) throw typeError(where, 'an IP address literal');
}

function checkRange(v: unknown, name: string): void {
  if (typeof v !== 'object') throw typeError(name, '{ low, high } or null');
  const r = v as { low?: unknown; high?: unknown };
  checkNumber(r.low, `${name}.low`, 1, 65535, true);
  checkNumber(r.high, `${name}.high`, 1, 65535, true);
  if ((r.low as number) > (r.high as number)) throw new RangeError(`native config: ${name}.low must not be above ${name}.high`);
}

/** Checks one field as the addon's config.c does, with the same words. */
function checkField(name: string, spec: FieldSpec, v: unknown): void {
  const min = spec.min ?? 0;
  const max = spec.max ?? 0;
  switch (spec.type) {
    case 'endpoints':
    case 'listen':
      checkArray(v, name, min, max).forEach((d, i) => {
        if (typeof d !== 'object' || d === null) throw typeError(`${name}[${i}]`, '{ host, port }');
        const e = d as { host?: unknown; port?: unknown };
        checkIp(e.host, `${name}[${i}].host`);
        checkNumber(e.port, `${name}[${i}].port`, spec.type === 'listen' ? 0 : 1, 65535, true);
      });
      return;
    case 'addresses':
      checkArray(v, name, min, max).forEach((a, i) => checkIp(a, `${name}[${i}]`));
      return;
    case 'ports':
      checkArray(v, name, min, max).forEach((p, i) => checkNumber(p, `${name}[${i}]`, 0, 65535, true));
      return;
    case 'enum':
      if (typeof v !== 'string' || !spec.values!.includes(v)) throw typeError(name, `one of ${spec.values!.join(', ')}`);
      return;
    case 'range':
      return checkRange(v, name);
    case 'bytes':
      if (!(v instanceof Uint8Array)) throw typeError(name, 'a Buffer or null');
      if (v.length < min || v.length > max)
        throw new RangeError(`native config: ${name} must have from ${min} to ${max} bytes, not ${v.length}`);
      return;
    case 'bool':
      if (typeof v !== 'boolean') throw typeError(name, 'a boolean');
      return;
    default:
      return checkNumber(v, name, min, max, spec.type === 'int');
  }
}

/** Every field of an abi.json section there, of its type and in its range, and no other field. */
function checkSection(specs: Record<string, FieldSpec>, config: unknown, what: string): Record<string, unknown> {
  if (typeof config !== 'object' || config === null) throw typeError(what, 'an object');
  const c = config as Record<string, unknown>;
  for (const name of Object.keys(c)) if (!(name in specs)) throw new TypeError(`native config: unknown field ${name}`);
  for (const [name, spec] of Object.entries(specs)) {
    if (!(name in c)) throw typeError(name, 'given (it is missing)');
    if (c[name] === null) {
      if (!spec.nullable) throw typeError(name, 'set (null is not allowed)');
      continue;
    }
    checkField(name, spec, c[name]);
  }
  return c;
}

/**
 * Checks a generator configuration against abi.json before it crosses to C, which checks it
 * again the same way (it trusts nothing from JavaScript): every field there, of its type and in
 * its range, no field abi.json does not name, and the rules between fields. Throws a TypeError
 * or RangeError that names the field.
 */
export function checkNativeConfig(config: unknown): asserts config is NativeConfig {
  void CONFIGS_MATCH_ABI;
  const c = checkSection(NATIVE_ABI.config as Record<string, FieldSpec>, config, 'the configuration');
  // The rules between fields, as config.c's check_rules states them.
  if ((c.portMode === 'kernel') !== ((c.sources as unknown[]).length === 0))
    throw typeError('sources', 'empty with portMode kernel, and not empty with any other port mode');
  if ((c.portMode === 'explicit') !== (c.explicitPorts !== null))
    throw typeError('explicitPorts', '{ low, high } with portMode explicit, and null otherwise');
  if (c.close === 'keepalive' && c.http !== true) throw typeError('close', 'client, server or reset when http is false');
}

/** Checks a target configuration against abi.json's targetConfig, as target_config.c does. */
export function checkNativeTargetConfig(config: unknown): asserts config is NativeTargetConfig {
  checkSection(NATIVE_ABI.targetConfig as Record<string, FieldSpec>, config, 'the target configuration');
}
