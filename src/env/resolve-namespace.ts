import { PlanError } from '../errors.js';
import type { NamespaceOptions, NamespaceSpec } from '../plan/namespace.js';
import { loadProfileFile, resolveProfiles } from './profiles.js';
import { parseSysctls } from '../plan/sysctls.js';
import { namespaceUnavailable } from './namespace-support.js';

/** The profile a namespace gets when none is named: the host's own settings, copied in. */
export const DEFAULT_NAMESPACE_PROFILE = 'host';

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
  return { sysctls: { ...(profile?.sysctls ?? {}), ...sysctls }, profile: profile?.name ?? null };
}
