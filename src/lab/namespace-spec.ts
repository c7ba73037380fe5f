import { PlanError } from '../errors.js';
import type { HostFacts } from '../plan/build-plan.js';
import { loadProfileFile, resolveProfiles } from './profiles.js';
import { parseSysctls, type SysctlSet } from './sysctls.js';

/** Where a stage runs when it runs in a namespace of its own, and with which settings. */
export interface NamespaceSpec {
  /** Written inside the namespace before the stage starts. */
  readonly sysctls: SysctlSet;
  /** The profile the settings came from, if any. */
  readonly profile: string | null;
}

/** The kernel's default ip_local_port_range, which a fresh namespace starts from. */
const NAMESPACE_DEFAULT_RANGE = { low: 32768, high: 60999 };

/** The options that ask for a namespace. */
export interface NamespaceOptions {
  netns?: boolean;
  /** `name=value`, repeatable. */
  sysctl?: readonly string[];
  profile?: string;
  profilesFile?: string;
}

/**
 * Resolves `--netns`, `--profile` and `--sysctl` into the settings a stage's namespace gets:
 * the profile's first, then each `--sysctl` over them. Null when no namespace was asked for.
 */
export async function resolveNamespace(options: NamespaceOptions): Promise<NamespaceSpec | null> {
  const wantsSettings = (options.sysctl?.length ?? 0) > 0 || options.profile !== undefined;
  if (!options.netns) {
    if (wantsSettings) throw new PlanError(options.profile !== undefined ? '--profile' : '--sysctl', `${options.profile !== undefined ? '--profile' : '--sysctl'} needs --netns: portchurn never writes the host's own settings`);
    return null;
  }
  const extra = options.profilesFile ? await loadProfileFile(options.profilesFile) : {};
  const [profile] = options.profile === undefined ? [] : await resolveProfiles([options.profile], extra);
  return { sysctls: { ...(profile?.sysctls ?? {}), ...parseSysctls(options.sysctl ?? []) }, profile: profile?.name ?? null };
}

/** What `buildPlan` should assume inside the namespace: its own port range, and no other programs to starve. */
export function namespaceFacts(spec: NamespaceSpec): HostFacts {
  const range = spec.sysctls['net.ipv4.ip_local_port_range']?.split(' ').map(Number);
  return { ephemeralPorts: range ? { low: range[0]!, high: range[1]! } : NAMESPACE_DEFAULT_RANGE, isolated: true };
}
