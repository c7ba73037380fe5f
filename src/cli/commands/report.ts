import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { renderCompare, renderCompareMarkdown } from '../../report/compare.js';
import { renderSweepSummary } from '../../report/sweep-terminal.js';
import { REPORT_FORMATS, writeReports, type ReportFormat } from '../write-reports.js';
import { readResult } from '../../result/read-result.js';
import { EXIT, printError, type CliIo } from '../output.js';
import { declareOptions, type OptionTable } from '../option-table.js';

/** The options of `portchurn report`, stated once. */
export const REPORT_OPTIONS = {
  format: { type: 'string', choices: [...REPORT_FORMATS, 'all'], default: 'all', describe: 'what to render beside the JSON' },
} as const satisfies OptionTable;

/** Declares `portchurn report <file>` on `y`. */
export function reportOptions(y: Argv) {
  return declareOptions(
    y.positional('file', { type: 'string', describe: 'a result JSON (run or sweep)', demandOption: true }),
    REPORT_OPTIONS,
  );
}

/** Parsed arguments of `portchurn report`. */
export type ReportArgs = Awaited<ReturnType<typeof reportOptions>['argv']>;

/** `portchurn report X.json`: renders reports from a stored result without running anything. */
export async function reportCommand(argv: ReportArgs, io: CliIo): Promise<number> {
  const result = await readResult(argv.file);
  const formats: readonly ReportFormat[] = argv.format === 'all' ? REPORT_FORMATS : [argv.format];
  const paths = await writeReports(argv.file, result, formats);
  // A result written before per-second histograms were kept has no interval logs to give.
  const noLogs = formats.includes('hlog') && !paths.some((p) => p.endsWith('.hlog'));
  io.stdout.write(
    `${renderSweepSummary(result)}\n${paths.map((p) => `  report  ${p}\n`).join('')}${
      noLogs ? '  hlog    none: this result has no per-second latency histograms (written before they were kept)\n' : ''
    }`,
  );
  return EXIT.ok;
}

/** The options of `portchurn compare`, stated once. */
export const COMPARE_OPTIONS = {
  format: { type: 'string', choices: ['text', 'md'], default: 'text', describe: 'terminal table or Markdown' },
} as const satisfies OptionTable;

/** Declares `portchurn compare <files..>` on `y`. */
export function compareOptions(y: Argv) {
  return declareOptions(
    y.positional('files', { type: 'string', array: true, describe: 'two or more result JSON files', demandOption: true }),
    COMPARE_OPTIONS,
  );
}

/** Parsed arguments of `portchurn compare`. */
export type CompareArgs = Awaited<ReturnType<typeof compareOptions>['argv']>;

/** `portchurn compare A.json B.json ...`: stages side by side, ratios to the first file. */
export async function compareCommand(argv: CompareArgs, io: CliIo): Promise<number> {
  if (argv.files.length < 2) {
    printError(io, 'compare needs two or more result files');
    return EXIT.usage;
  }
  const results = [];
  for (const file of argv.files) results.push({ label: file.replace(/^.*\//, ''), result: await readResult(file) });
  io.stdout.write(argv.format === 'md' ? renderCompareMarkdown(results) : renderCompare(results));
  return EXIT.ok;
}

/** `portchurn report <file>`. */
export const REPORT_COMMAND = defineCommand({
  usage: 'report <file>',
  describe: 're-render the reports of a stored result',
  options: reportOptions,
  run: reportCommand,
});

/** `portchurn compare <files..>`. */
export const COMPARE_COMMAND = defineCommand({
  usage: 'compare <files..>',
  describe: 'stages of several results side by side, with ratios',
  options: compareOptions,
  run: compareCommand,
});
