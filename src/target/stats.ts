import type { TargetClosePolicy } from '../result/target-stats.js';

/** Settings of the built-in target. */
export interface TargetOptions {
  readonly listen: readonly { readonly host: string; readonly port: number }[];
  /** `server`: answer with `Connection: close` and close first. `client`: keep the connection open until the client closes, even if the request asks for close. */
  readonly close: TargetClosePolicy;
  readonly delayMs: number;
  readonly bodyBytes: number;
}

/** Path of the stats endpoint; its requests are not counted. */
export const STATS_PATH = '/__portchurn/stats';
