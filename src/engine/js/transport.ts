import type { ConnectionTimings } from '../recorder.js';
import type { SourceChoice } from './source-picker.js';
import type { ErrorCode } from '../../result/error-codes.js';

/** How one attempt ended: ok with its timings, or an error code (timings as far as it got). */
export type Outcome =
  | { readonly ok: true; readonly timings: ConnectionTimings & { doneMs: number } }
  | {
      readonly ok: false;
      readonly code: ErrorCode;
      readonly atMs: number;
      readonly timings: ConnectionTimings;
      /** The HTTP status, for HTTP_xXX codes. */ readonly status?: number;
    };

/**
 * The engine's view of a transport: start one attempt from a source; `done` is called exactly
 * once with its outcome. `close` releases pooled resources when the run ends.
 */
export interface Transport {
  send(source: SourceChoice, intendedMs: number, done: (outcome: Outcome) => void): void;
  /** Ends every attempt still in flight now; each reports ABORTED. */
  abortInFlight(): void;
  close(): Promise<void>;
}
