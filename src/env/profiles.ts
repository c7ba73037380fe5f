import { readFile } from 'node:fs/promises';
import { readSysctl } from './environment.js';
import { PlanError } from '../errors.js';
import { NAMESPACE_SYSCTLS, normaliseSysctl, type SysctlSet } from '../plan/sysctls.js';
import type { Profile } from '../plan/sysctls.js';

/**
 * Named sets of kernel settings, applied inside each stage's namespace. `host` copies the host's
 * own values (a fresh namespace would otherwise start from the kernel defaults).
 */
export const BUILTIN_PROFILES: Record<string, { readonly description: string; readonly sysctls: SysctlSet | 'host' | 'upstream' }> = {
  upstream: {
    description:
      "the host's own values as a proxy's upstream on another host meets them: tcp_tw_reuse=2 (reuse on loopback only) becomes 0, since the kernel gives TIME_WAIT back only where an end is a loopback address",
    sysctls: 'upstream',
  },
  host: { description: "the host's own values, loopback's exception included", sysctls: 'host' },
  'no-reuse': { description: 'tcp_tw_reuse=0: no TIME_WAIT reuse for outgoing connections', sysctls: { 'net.ipv4.tcp_tw_reuse': '0' } },
  'loopback-reuse': {
    description: 'tcp_tw_reuse=2: reuse on loopback only (the Linux default)',
    sysctls: { 'net.ipv4.tcp_tw_reuse': '2' },
  },
  reuse: { description: 'tcp_tw_reuse=1: reuse for every outgoing connection', sysctls: { 'net.ipv4.tcp_tw_reuse': '1' } },
  narrow: {
    description: '1,000 ports, no reuse: exhaustion in seconds',
    sysctls: { 'net.ipv4.ip_local_port_range': '40000 40999', 'net.ipv4.tcp_tw_reuse': '0' },
  },
};

/**
 * The host's settings as they apply to an upstream on another host: tcp_tw_reuse=2 lets connect()
 * take back a TIME_WAIT port only when an end is a loopback address (tcp_twsk_unique), which a
 * remote upstream never is, so for it 2 means 0; 1 and 0 stay as they are. Pure.
 */
export function upstreamOf(host: SysctlSet): SysctlSet {
  return host['net.ipv4.tcp_tw_reuse'] === '2' ? { ...host, 'net.ipv4.tcp_tw_reuse': '0' } : host;
}

/** The host's own values of the namespace sysctls (absent ones left out). */
export async function hostSysctls(): Promise<SysctlSet> {
  const out: SysctlSet = {};
  for (const name of NAMESPACE_SYSCTLS) {
    const value = await readSysctl(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

/**
 * Loads user profiles from a JSON file: `{ "name": { "net.ipv4.tcp_tw_reuse": "0", ... }, ... }`
 * (optionally `{ "description": "...", "sysctls": { ... } }`). Every value is validated.
 */
export async function loadProfileFile(path: string): Promise<Record<string, Profile>> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new PlanError('--profiles-file', `--profiles-file ${path}: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new PlanError('--profiles-file', `--profiles-file ${path}: must be an object of profiles`);
  const out: Record<string, Profile> = {};
  for (const [name, raw] of Object.entries(data as Record<string, unknown>)) {
    const body = raw as { description?: unknown; sysctls?: unknown };
    const settings = (typeof body?.sysctls === 'object' && body.sysctls !== null ? body.sysctls : raw) as Record<string, unknown>;
    const sysctls: SysctlSet = {};
    for (const [k, v] of Object.entries(settings)) {
      if (k === 'description') continue;
      sysctls[k as keyof SysctlSet] = normaliseSysctl(k, String(v));
    }
    out[name] = { name, description: typeof body?.description === 'string' ? body.description : `from ${path}`, sysctls };
  }
  return out;
}

/** Resolves profile names (built-in or from `extra`) to their settings. */
export async function resolveProfiles(names: readonly string[], extra: Record<string, Profile> = {}): Promise<Profile[]> {
  const host = await hostSysctls();
  return names.map((name) => {
    if (extra[name]) return extra[name];
    const builtin = BUILTIN_PROFILES[name];
    if (!builtin)
      throw new PlanError(
        '--profile',
        `--profile '${name}' is not known: ${[...Object.keys(BUILTIN_PROFILES), ...Object.keys(extra)].join(', ')}`,
      );
    const sysctls = builtin.sysctls === 'host' ? host : builtin.sysctls === 'upstream' ? upstreamOf(host) : builtin.sysctls;
    return { name, description: builtin.description, sysctls };
  });
}
