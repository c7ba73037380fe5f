import { PlanError } from '../errors.js';
import type { HostFacts } from '../plan/build-plan.js';
import { loadProfileFile, resolveProfiles } from './profiles.js';
import { parseSysctls, type SysctlSet } from './sysctls.js';
import { namespaceUnavailable } from './namespace-support.js';

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
  /**
   * true: every stage in a fresh namespace of its own (fails where none can be made); false
   * (`--no-netns`): on the host. Absent: a namespace when the target is the built-in one and
   * this process can make namespaces (root, or unprivileged user namespaces), else the host.
   */
  netns?: boolean;
  /** `name=value`, repeatable. */
  sysctl?: readonly string[];
  /** Default `host`: the host's own values of the namespace settings, copied in. */
  profile?: string;
  profilesFile?: string;
  /** A target outside portchurn: it cannot be reached from a fresh namespace. */
  target?: string;
}

/** The profile a namespace gets when none is named: the host's own settings, copied in. */
export const DEFAULT_NAMESPACE_PROFILE = 'host';

/**
 * Resolves `--netns`, `--profile` and `--sysctl` into the settings a stage's namespace gets:
 * the profile's first (`host` by default), then each `--sysctl` over them. Null when the run
 * stays on the host: `--no-netns`, a `--target` outside portchurn, or no namespace to be had
 * (`unavailable` says why, or null when namespaces can be made).
 */
export async function resolveNamespace(options: NamespaceOptions, unavailable: () => string | null = namespaceUnavailable): Promise<NamespaceSpec | null> {
  // Bad values are refused first, wherever the run would go.
  const sysctls = parseSysctls(options.sysctl ?? []);
  const extra = options.profilesFile ? await loadProfileFile(options.profilesFile) : {};
  const [profile] = await resolveProfiles([options.profile ?? DEFAULT_NAMESPACE_PROFILE], extra);
  const setting = (options.sysctl?.length ?? 0) > 0 ? '--sysctl' : options.profile !== undefined ? '--profile' : null;
  if (options.netns === false) {
    if (setting) throw new PlanError(setting, `${setting} is written inside a namespace and --no-netns runs on the host: portchurn never writes the host's own settings`);
    return null;
  }
  if (options.target !== undefined) {
    // Another program's server listens in the host's namespace; a fresh one cannot reach it.
    if (options.netns === true) throw new PlanError('--netns', '--netns runs in a fresh network namespace, where a --target outside portchurn cannot be reached; drop --netns (the nginx command runs its own target in one)');
    if (setting) throw new PlanError(setting, `${setting} is written inside a namespace, and a --target outside portchurn runs on the host: portchurn never writes the host's own settings`);
    return null;
  }
  if (options.netns === undefined) {
    const why = unavailable();
    if (why !== null) {
      if (setting) throw new PlanError(setting, `${setting} needs a network namespace: ${why}`);
      return null;
    }
  }
  return { sysctls: { ...(profile?.sysctls ?? {}), ...sysctls }, profile: profile?.name ?? null };
}

/** What `buildPlan` should assume inside the namespace: its own port range, and no other programs to starve. */
export function namespaceFacts(spec: NamespaceSpec): HostFacts {
  const range = spec.sysctls['net.ipv4.ip_local_port_range']?.split(' ').map(Number);
  return { ephemeralPorts: range ? { low: range[0]!, high: range[1]! } : NAMESPACE_DEFAULT_RANGE, isolated: true };
}
