import type { NginxVariant } from '../plan/nginx-variants.js';
import type { Prediction } from './prediction.js';
import type { ResultHeader } from './header.js';
import type { RunResult } from './result.js';
import type { SocketReport } from './sockets.js';
import type { TargetStats } from './target-stats.js';

/** The result of `portchurn nginx`: each variant side by side. */
export interface NginxResult extends ResultHeader<'nginx'> {
  readonly profile: string | null;
  readonly variants: readonly NginxVariantResult[];
}

/** What one variant measured. */
export interface NginxVariantResult {
  readonly variant: NginxVariant;
  readonly config: string;
  readonly upstreamClose: 'client' | 'server';
  readonly splitKey: string | null;
  /** The client side, through nginx (keepalive connections to nginx). */
  readonly client: RunResult;
  /** What the built-in upstream counted: connections per source address prove the split. */
  readonly upstream: TargetStats;
  /** nginx's upstream-side sockets (its connections to the upstream), sampled by state. */
  readonly upstreamSockets: SocketReport | null;
  readonly errorLog: ErrorLogCounts;
  /** The capacity model for the proxy-to-upstream hop. */
  readonly model: Prediction;
}

/** nginx error-log lines counted by the errno in `failed (99: Cannot assign requested address)`. */
export interface ErrorLogCounts {
  /** errno number -> lines. */
  readonly byErrno: Record<string, number>;
  /** Lines with no errno (other errors). */
  readonly other: number;
  /** The first errno-99 line, as an example for the report. */
  readonly example: string | null;
}
