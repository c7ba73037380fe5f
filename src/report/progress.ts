import { formatCount, formatDurationMs } from './format.js';
import type { Progress } from '../result/progress.js';

/** The live one-line progress: elapsed, attempts/s, ok/s, errors (last second, then totals). */
export function renderProgress(p: Progress): string {
  const last = p.lastSecond ?? { attempts: 0, ok: 0, errors: 0 };
  return `[${formatDurationMs(p.elapsedMs)}] ${formatCount(last.attempts)} attempts/s, ${formatCount(last.ok)} ok/s, ${formatCount(last.errors)} errors/s | total ${formatCount(p.attempts)} attempts, ${formatCount(p.ok)} ok, ${formatCount(p.errors)} errors, ${formatCount(p.inFlight)} in flight`;
}
