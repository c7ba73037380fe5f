import { VERSION } from './version.js';

/** Schema tag of a result file; bumped when a field changes meaning. */
export const RESULT_SCHEMA = 'portchurn/result@1';

/** The fields every kind of result opens with. */
export interface ResultHeader<K extends string> {
  readonly schema: typeof RESULT_SCHEMA;
  readonly kind: K;
  readonly tool: { readonly name: 'portchurn'; readonly version: string };
  readonly startedAt: string;
  readonly endedAt: string;
  /** True when a signal stopped it early; what ran is counted, the last stage may be partial. */
  readonly interrupted: boolean;
}

/** A result's header, ended now. */
export function resultHeader<K extends string>(kind: K, startedAt: string, interrupted: boolean): ResultHeader<K> {
  return {
    schema: RESULT_SCHEMA,
    kind,
    tool: { name: 'portchurn', version: VERSION },
    startedAt,
    endedAt: new Date().toISOString(),
    interrupted,
  };
}
