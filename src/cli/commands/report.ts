import type { Argv } from 'yargs';
import { renderCompare, renderCompareMarkdown } from '../../report/compare.js';
import { renderSweepSummary } from '../../report/sweep-terminal.js';
import { REPORT_FORMATS, writeReports, type ReportFormat } from '../../report/write-reports.js';
import { readResult } from '../../result/read-result.js';
import { EXIT, printError, type CliIo } from '../output.js';

/** Options of `portchurn report`. */
export function reportOptions<T>(y: Argv<T>) {
  return y.positional('file', { type: 'string', describe: 'a result JSON (run or sweep)', demandOption: true }).option('format', {
    type: 'string',
    choices: ['md', 'html', 'hgrm', 'all'],
    default: 'all',
    describe: 'what to render beside the JSON',
  });
}

/** `portchurn report X.json`: renders reports from a stored result without running anything. */
export async function reportCommand(argv: { file: string; format: string }, io: CliIo): Promise<number> {
  const result = await readResult(argv.file);
  const formats: readonly ReportFormat[] = argv.format === 'all' ? REPORT_FORMATS : [argv.format as ReportFormat];
  const paths = await writeReports(argv.file, result, formats);
  io.stdout.write(`${renderSweepSummary(result)}\n${paths.map((p) => `  report  ${p}\n`).join('')}`);
  return EXIT.ok;
}

/** Options of `portchurn compare`. */
export function compareOptions<T>(y: Argv<T>) {
  return y
    .positional('files', { type: 'string', array: true, describe: 'two or more result JSON files', demandOption: true })
    .option('format', { type: 'string', choices: ['text', 'md'], default: 'text', describe: 'terminal table or Markdown' });
}

/** `portchurn compare A.json B.json ...`: stages side by side, ratios to the first file. */
export async function compareCommand(argv: { files: string[]; format: string }, io: CliIo): Promise<number> {
  if (argv.files.length < 2) {
    printError(io, 'compare needs two or more result files');
    return EXIT.usage;
  }
  const results = [];
  for (const file of argv.files) results.push({ label: file.replace(/^.*\//, ''), result: await readResult(file) });
  io.stdout.write(argv.format === 'md' ? renderCompareMarkdown(results) : renderCompare(results));
  return EXIT.ok;
}
