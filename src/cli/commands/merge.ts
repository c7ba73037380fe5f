import type { Argv } from 'yargs';
import { mergeRunResults } from '../../runner/merge-results.js';
import { readResult } from '../../result/read-result.js';
import { ResultInputError } from '../../errors.js';
import type { RunResult } from '../../result/result.js';
import { writeResultFile } from '../../result/write-result.js';
import { renderRunSummary } from '../../report/terminal.js';
import { EXIT, type CliIo } from '../output.js';

/** Options of `portchurn merge`. */
export function mergeOptions<T>(y: Argv<T>) {
  return y
    .positional('files', { type: 'string', array: true, demandOption: true, describe: 'run results of one plan, one per generator host' })
    .option('out', { type: 'string', default: 'results', describe: 'directory for the merged result' })
    .option('json', { type: 'boolean', describe: 'print the merged result JSON' });
}

/** `portchurn merge A.json B.json ...`: one result from several generator hosts. */
export async function mergeCommand(argv: { files: string[]; out: string; json?: boolean }, io: CliIo): Promise<number> {
  if (argv.files.length < 2) throw new ResultInputError('', 'merge needs two or more result files');
  const files = [];
  for (const path of argv.files) {
    const result = await readResult(path);
    if (result.kind !== 'run') throw new ResultInputError(path, `${path} is a ${result.kind} result; merge combines run results`);
    files.push({ path, result: result as RunResult });
  }
  const merged = mergeRunResults(files);
  const path = await writeResultFile(argv.out, 'merged', merged.startedAt, merged);
  io.stdout.write(argv.json ? `${JSON.stringify(merged, null, 2)}\n` : `${renderRunSummary(merged)}  result      ${path}\n`);
  return EXIT.ok;
}
