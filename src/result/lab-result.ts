import type { Profile } from '../plan/sysctls.js';
import type { RESULT_SCHEMA } from './result.js';
import type { SweepResult } from './sweep-result.js';

/** One profile's sweep. */
export interface LabProfile extends Profile {
  readonly sweep: SweepResult;
}

/** The result of `portchurn lab`: the same sweep under each profile, every stage in its own namespace. */
export interface LabResult {
  readonly schema: typeof RESULT_SCHEMA;
  readonly kind: 'lab';
  readonly tool: { readonly name: 'portchurn'; readonly version: string };
  readonly startedAt: string;
  readonly endedAt: string;
  readonly interrupted: boolean;
  readonly profiles: readonly LabProfile[];
}
