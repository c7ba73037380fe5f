import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { mergeRunResults } from '../../runner/merge-results.js';
import { readResult } from '../../result/read-result.js';
import { ResultInputError } from '../../errors.js';
import type { RunResult } from '../../result/result.js';
import type { CliIo } from '../output.js';
import { RESULTS_DIR, ciOutputs, parseReportFormats, runFilesSummary } from '../save-result.js';
import { finishCommand } from '../finish.js';
import { RUN_OPTIONS } from './run.js';
import { declareOptions, type OptionTable } from '../option-table.js';

/** The options of `portchurn merge`, stated once. */
export const MERGE_OPTIONS = {
  out: { type: 'string', default: RESULTS_DIR, describe: 'directory for the merged result' },
  reports: RUN_OPTIONS.reports,
  json: { type: 'boolean', describe: 'print the merged result JSON' },
  quiet: RUN_OPTIONS.quiet,
  junit: RUN_OPTIONS.junit,
} as const satisfies OptionTable;

/** Declares `portchurn merge <files..>` on `y`. */
export function mergeOptions(y: Argv) {
  return declareOptions(
    y.positional('files', { type: 'string', array: true, demandOption: true, describe: 'run results of one plan, one per generator host' }),
    MERGE_OPTIONS,
  );
}

/** Parsed arguments of `portchurn merge`. */
export type MergeArgs = Awaited<ReturnType<typeof mergeOptions>['argv']>;

/** `portchurn merge A.json B.json ...`: one result from several generator hosts. */
export async function mergeCommand(argv: MergeArgs, io: CliIo): Promise<number> {
  if (argv.files.length < 2) throw new ResultInputError('', 'merge needs two or more result files');
  const formats = parseReportFormats(argv.reports);
  const files = [];
  for (const path of argv.files) {
    const result = await readResult(path);
    if (result.kind !== 'run') throw new ResultInputError(path, `${path} is a ${result.kind} result; merge combines run results`);
    files.push({ path, result: result as RunResult });
  }
  const merged = mergeRunResults(files);
  // The merged interval log (.hlog) is written from the per-second histograms added across hosts.
  return finishCommand(
    io,
    {
      dir: argv.out,
      prefix: 'merged',
      formats,
      json: argv.json,
      quiet: argv.quiet,
      ...ciOutputs(argv.junit),
      summary: runFilesSummary(merged),
    },
    merged,
  );
}

/** `portchurn merge <files..>`. */
export const MERGE_COMMAND = defineCommand({
  usage: 'merge <files..>',
  describe: 'combine run results of one plan from several generator hosts',
  options: mergeOptions,
  run: mergeCommand,
});
