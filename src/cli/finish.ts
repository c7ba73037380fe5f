import type { AnyResult } from '../result/read-result.js';
import { verdictHeadline, verdictLines, verdictOf } from '../result/verdict.js';
import { EXIT, printError, type CliIo } from './output.js';
import { saveResult, type SaveOptions } from './save-result.js';
import type { SignalStop } from './signals.js';

/**
 * How every command that made a result ends, decided once from the result's verdict: the result
 * saved (JSON, reports, JUnit, the job summary), each problem named on stderr, and the exit
 * status: the signal's after SIGINT/SIGTERM, 1 when the verdict failed (a threshold held, the
 * engine lost work, the proxy exited) or the result is partial without a signal here (a merge of
 * interrupted runs), else what saving called for (0; 1 when the JSON went to stdout; 70 when it
 * breaks its schema in strict mode).
 */
export async function finishCommand(io: CliIo, save: SaveOptions, result: AnyResult, stop: SignalStop | null = null): Promise<number> {
  const saved = await saveResult(io, save, result);
  const verdict = verdictOf(result);
  for (const line of verdictLines(verdict)) printError(io, line);
  if (verdict.status !== 'passed') printError(io, verdictHeadline(verdict));
  if (saved === EXIT.schema) return saved;
  const signalled = stop?.exitStatus() ?? null;
  if (signalled !== null) return signalled;
  if (verdict.status !== 'passed') return EXIT.failure;
  return saved;
}
