import type { AnyResult } from '../result/read-result.js';
import { addToIndex } from '../result/results-index.js';
import { writeResultFile } from '../result/write-result.js';
import { REPORT_FORMATS, writeReports, type ReportFormat } from './write-reports.js';
import { renderSweepSummary } from '../report/sweep-terminal.js';
import { renderRunSummary } from '../report/terminal.js';
import type { RunResult } from '../result/result.js';
import { PlanError } from '../errors.js';
import { appendFile, writeFile } from 'node:fs/promises';
import { renderJunit, renderStepSummary } from '../report/ci-report.js';
import { EXIT, printError, type CliIo } from './output.js';
import { conformsWhenStrict } from './strict-schema.js';

/** Parses `--reports md,html,hgrm,hlog` ('' for none). */
export function parseReportFormats(text: string): ReportFormat[] {
  const formats = text
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  for (const f of formats)
    if (!(REPORT_FORMATS as readonly string[]).includes(f))
      throw new PlanError('--reports', `--reports '${f}' must be among ${REPORT_FORMATS.join(', ')}`);
  return formats as ReportFormat[];
}

/**
 * The CI outputs of run, sweep and lab: `--junit FILE`, and the job summary when the environment
 * names a file for it (GitHub Actions sets `GITHUB_STEP_SUMMARY`; nothing is written when unset).
 */
export function ciOutputs(junit: string | undefined, env: NodeJS.ProcessEnv = process.env): Pick<SaveOptions, 'junit' | 'stepSummary'> {
  const summary = env.GITHUB_STEP_SUMMARY;
  return { ...(junit ? { junit } : {}), ...(summary ? { stepSummary: summary } : {}) };
}

/** Where results are written when --out is not given. */
export const RESULTS_DIR = 'results';

/** Where and how a result is saved and shown. */
export interface SaveOptions {
  readonly dir: string;
  readonly prefix: string;
  readonly formats: readonly ReportFormat[];
  readonly json?: boolean;
  readonly quiet?: boolean;
  /** `--junit FILE`: JUnit XML of the verdict: thresholds, engine failures, interruption. */
  readonly junit?: string;
  /** A file the short Markdown summary is appended to (GitHub's `$GITHUB_STEP_SUMMARY`). */
  readonly stepSummary?: string;
  /** The text shown when neither --json nor --quiet; default: the sweep summary and the files written. */
  readonly summary?: (path: string, reports: readonly string[]) => string;
}

/** A run's summary with the files written beside it (run and merge). */
export function runFilesSummary(result: RunResult): (path: string, reports: readonly string[]) => string {
  return (path, reports) => `${renderRunSummary(result)}  result      ${path}\n${reports.map((r) => `  report      ${r}\n`).join('')}`;
}

/** The sweep, lab or nginx summary with the files written beside it. */
function filesSummary(result: AnyResult): (path: string, reports: readonly string[]) => string {
  return (path, reports) => {
    const count = (ext: string): string => {
      const n = reports.filter((p) => p.endsWith(ext)).length;
      return n ? `  ${ext.slice(1)}    ${n} file${n === 1 ? '' : 's'} beside the result\n` : '';
    };
    const listed = reports
      .filter((p) => !p.endsWith('.hgrm') && !p.endsWith('.hlog'))
      .map((p) => `  report  ${p}\n`)
      .join('');
    return `${renderSweepSummary(result)}\n  result  ${path}\n${listed}${count('.hgrm')}${count('.hlog')}`;
  };
}

/**
 * Saves every kind of result the same way: the JSON (or, when it cannot be written, the JSON on
 * stdout so nothing is lost), its reports, the index entry, then the summary or the JSON.
 * Returns the exit status the saving calls for (ok; failure when the JSON went to stdout; schema
 * when PORTCHURN_STRICT_SCHEMA=1 and the result does not match its JSON Schema).
 */
export async function saveResult(io: CliIo, out: SaveOptions, result: AnyResult): Promise<number> {
  let path: string;
  try {
    path = await writeResultFile(out.dir, out.prefix, result.startedAt, result);
  } catch (error) {
    printError(io, `${(error as Error).message}; the result JSON follows on stdout`);
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return EXIT.failure;
  }
  const reports = await writeReports(path, result, out.formats);
  if (out.junit) {
    await writeFile(out.junit, renderJunit(result));
    reports.push(out.junit);
  }
  // GitHub shows what a step appends to this file on the job's page.
  if (out.stepSummary) await appendFile(out.stepSummary, renderStepSummary(result));
  await addToIndex(out.dir, path, result, reports);
  const conforms = conformsWhenStrict(io, result);
  if (out.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (!out.quiet) io.stdout.write((out.summary ?? filesSummary(result))(path, reports));
  return conforms ? EXIT.ok : EXIT.schema;
}
