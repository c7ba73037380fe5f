import { walkUntilStopped } from '../runner/walk.js';
import { resultHeader } from '../result/header.js';
import { PlanError } from '../errors.js';
import { sweep, validateSweep, type SweepHooks, type SweepOptions } from '../sweep/sweep.js';
import { loadProfileFile, resolveProfiles } from '../env/profiles.js';
import type { LabProfile, LabResult } from '../result/lab-result.js';
import type { Profile } from '../plan/sysctls.js';

/** Options of `portchurn lab`: a sweep's, plus the profiles to compare. */
export interface LabOptions extends Omit<SweepOptions, 'netns' | 'profile'> {
  /** Comma list of profile names. Default `host,no-reuse,narrow`. */
  profiles?: string;
}

/** Lab defaults: short stages, and a sources axis wide enough for exhaustion to disappear in `narrow`. */
export const LAB_DEFAULTS = { profiles: 'host,no-reuse,narrow', duration: '4s', sourcesValues: '1,4,16,64' } as const;

/**
 * Runs the same sweep under each profile, every stage in a fresh network namespace with the
 * profile's settings. Every profile and stage is validated before the first connection.
 */
export async function lab(
  options: LabOptions = {},
  hooks: SweepHooks & { onProfile?: (profile: Profile, index: number, count: number) => void } = {},
): Promise<LabResult> {
  const names = (options.profiles ?? LAB_DEFAULTS.profiles)
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (names.length === 0) throw new PlanError('--profiles', '--profiles names no profile');
  const extra = options.profilesFile ? await loadProfileFile(options.profilesFile) : {};
  const profiles = await resolveProfiles(names, extra);
  const { profiles: _p, ...rest } = options;
  const base: SweepOptions = {
    ...rest,
    netns: true,
    ...(rest.duration === undefined && rest.requests === undefined ? { duration: LAB_DEFAULTS.duration } : {}),
    ...((rest.axis ?? 'sources') === 'sources' && rest.values === undefined ? { values: LAB_DEFAULTS.sourcesValues } : {}),
  };
  for (const profile of profiles) await validateSweep({ ...base, profile: profile.name });
  const startedAt = new Date().toISOString();
  const { done, interrupted } = await walkUntilStopped(profiles, hooks.signal, async (profile, i) => {
    hooks.onProfile?.(profile, i, profiles.length);
    const result = await sweep({ ...base, profile: profile.name }, hooks);
    return { result: { ...profile, sweep: result } satisfies LabProfile, interrupted: result.interrupted };
  });
  return {
    ...resultHeader('lab', startedAt, interrupted),
    profiles: [...done],
  };
}
