import { PlanError } from '../errors.js';
import type { NamespaceOptions, NamespaceSpec } from '../plan/namespace.js';
import { hostSysctls, loadProfileFile, resolveProfiles } from './profiles.js';
import type { SysctlSet } from '../plan/sysctls.js';
import { parseSysctls } from '../plan/sysctls.js';
import { namespaceUnavailable } from './namespace-support.js';

/**
 * The profile a namespace gets when none is named: the host's own settings as a proxy's upstream on
 * another host meets them (loopback's tcp_tw_reuse=2 exception becomes 0), so a run on loopback
 * measures what a real upstream would; `--profile host` keeps loopback's own behaviour.
 */
export const DEFAULT_NAMESPACE_PROFILE = 'upstream';

/**
 * Resolves `--netns`, `--profile` and `--sysctl` into the settings a stage's namespace gets:
 * the profile's first (`host` by default), then each `--sysctl` over them. Null when the run
 * stays on the host: `--no-netns`, a `--target` outside portchurn, or no namespace to be had
 * (`unavailable` says why, or null when namespaces can be made).
 */
export async function resolveNamespace(
  options: NamespaceOptions,
  unavailable: () => string | null = namespaceUnavailable,
): Promise<NamespaceSpec | null> {
  // Bad values are refused first, wherever the run would go.
  const sysctls = parseSysctls(options.sysctl ?? []);
  const extra = options.profilesFile ? await loadProfileFile(options.profilesFile) : {};
  const [profile] = await resolveProfiles([options.profile ?? DEFAULT_NAMESPACE_PROFILE], extra);
  const sysctlsOfHost = await hostSysctls();
  const setting = (options.sysctl?.length ?? 0) > 0 ? '--sysctl' : options.profile !== undefined ? '--profile' : null;
  if (options.netns === false) {
    if (setting)
      throw new PlanError(
        setting,
        `${setting} is written inside a namespace and --no-netns runs on the host: portchurn never writes the host's own settings`,
      );
    return null;
  }
  if (options.target !== undefined) {
    // Another program's server listens in the host's namespace; a fresh one cannot reach it.
    if (options.netns === true)
      throw new PlanError(
        '--netns',
        '--netns runs in a fresh network namespace, where a --target outside portchurn cannot be reached; drop --netns (the nginx command runs its own target in one)',
      );
    if (setting)
      throw new PlanError(
        setting,
        `${setting} is written inside a namespace, and a --target outside portchurn runs on the host: portchurn never writes the host's own settings`,
      );
    return null;
  }
  if (options.netns === undefined) {
    const why = unavailable();
    if (why !== null) {
      if (setting) throw new PlanError(setting, `${setting} needs a network namespace: ${why}`);
      return null;
    }
  }
  const settings = { ...(profile?.sysctls ?? {}), ...sysctls };
  const defaulted = options.profile === undefined;
  return {
    sysctls: settings,
    profile: profile?.name ?? null,
    // By default the TIME_WAIT table is sized to each stage (buildPlan), unless --sysctl sets it.
    ...(defaulted &&
    settings['net.ipv4.tcp_max_tw_buckets'] === sysctlsOfHost['net.ipv4.tcp_max_tw_buckets'] &&
    !sysctls['net.ipv4.tcp_max_tw_buckets']
      ? { sizeTwTable: true }
      : {}),
    ...(defaulted ? { note: upstreamNote(sysctlsOfHost, settings) } : {}),
  };
}

/** The one line every report gives the default profile: what the stages saw, beside the host's own value. */
export function upstreamNote(host: SysctlSet, stage: SysctlSet): string {
  const hostReuse = host['net.ipv4.tcp_tw_reuse'] ?? 'unknown';
  const stageReuse = stage['net.ipv4.tcp_tw_reuse'] ?? hostReuse;
  if (hostReuse === '2' && stageReuse === '0')
    return "upstream view: tcp_tw_reuse 0 in each namespace where this host has 2, which gives TIME_WAIT ports back to connect() after 1 s only when an end is a loopback address, as a proxy's upstream on another host never is (--profile host measures loopback's own behaviour)";
  return `upstream view: tcp_tw_reuse ${stageReuse} as on this host (only its loopback-only 2 would differ for a remote upstream)`;
}
