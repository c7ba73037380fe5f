import type { Profile } from '../plan/sysctls.js';
import type { ResultHeader } from './header.js';
import type { SweepResult } from './sweep-result.js';

/** One profile's sweep. */
export interface LabProfile extends Profile {
  readonly sweep: SweepResult;
}

/** The result of `portchurn lab`: the same sweep under each profile, every stage in its own namespace. */
export interface LabResult extends ResultHeader<'lab'> {
  readonly profiles: readonly LabProfile[];
}
