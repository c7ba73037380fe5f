import type { Argv } from 'yargs';
import { lab, LAB_DEFAULTS, type LabOptions } from '../../lab/lab.js';
import { renderProgress } from '../../report/progress.js';
import { renderSweepSummary } from '../../report/sweep-terminal.js';
import { REPORT_FORMATS, writeReports } from '../../report/write-reports.js';
import { writeResultFile } from '../../result/write-result.js';
import { addToIndex } from '../../result/results-index.js';
import type { Axis, SettlePolicy } from '../../sweep/stages.js';
import type { PortMode } from '../../plan/plan.js';
import { EXIT, printError, type CliIo } from '../output.js';
import { stopOnSignals } from '../signals.js';
import { toRunOptions, type RunArgs } from './run.js';
import { sweepOptions, type SweepArgs } from './sweep.js';

/** Options of `portchurn lab`: a sweep's, plus the profiles. */
export function labOptions<T>(y: Argv<T>) {
  return sweepOptions(y).option('profiles', { type: 'string', default: LAB_DEFAULTS.profiles, describe: 'profiles to compare: host, no-reuse, loopback-reuse, reuse, narrow, or from --profiles-file', group: 'Lab:' });
}

/** Parsed arguments of `portchurn lab`. */
export type LabArgs = SweepArgs & { profiles: string };

/** `portchurn lab`: the same sweep under each profile, every stage in its own namespace. */
export async function labCommand(argv: LabArgs, io: CliIo): Promise<number> {
  if (argv.profile !== undefined) {
    printError(io, 'lab compares --profiles (a comma list); --profile is for run and sweep');
    return EXIT.usage;
  }
  const formats = argv.reports.split(',').map((f) => f.trim()).filter(Boolean);
  const bad = formats.find((f) => !(REPORT_FORMATS as readonly string[]).includes(f));
  if (bad) {
    printError(io, `--reports '${bad}' must be among ${REPORT_FORMATS.join(', ')}`);
    return EXIT.usage;
  }
  const { netns: _n, profile: _p, ...runOptions } = toRunOptions(argv as unknown as RunArgs);
  const options: LabOptions = {
    ...runOptions,
    profiles: argv.profiles,
    settle: argv.settle as SettlePolicy,
    ...(argv.axis === undefined ? {} : { axis: argv.axis as Axis }),
    ...(argv.values === undefined ? {} : { values: argv.values }),
    ...(argv['baseline-mode'] === undefined ? {} : { baselineMode: argv['baseline-mode'] as PortMode }),
  };
  const stop = stopOnSignals();
  const showProgress = !argv.quiet && !argv.json && io.stderr.isTTY === true;
  let profileLabel = '';
  try {
    const result = await lab(options, {
      signal: stop.signal,
      onProfile: (p, i, n) => (profileLabel = `profile ${i + 1}/${n} ${p.name}`),
      ...(showProgress ? { onProgress: (stage, p) => io.stderr.write(`\r\x1b[2K${profileLabel} stage ${stage.index + 1}/${stage.count} ${argv.axis}=${stage.axisValue} ${renderProgress(p)}`) } : {}),
    });
    if (showProgress) io.stderr.write('\r\x1b[2K');
    let path: string;
    try {
      path = await writeResultFile(argv.out, 'lab', result.startedAt, result);
    } catch (error) {
      printError(io, `${(error as Error).message}; the result JSON follows on stdout`);
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return EXIT.failure;
    }
    const reports = await writeReports(path, result, formats as typeof REPORT_FORMATS);
    await addToIndex(argv.out, path, result, reports);
    if (argv.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else if (!argv.quiet) {
      io.stdout.write(`${renderSweepSummary(result)}\n  result  ${path}\n${reports.filter((p) => !p.endsWith('.hgrm')).map((p) => `  report  ${p}\n`).join('')}`);
    }
    return stop.exitStatus() ?? EXIT.ok;
  } finally {
    stop.dispose();
  }
}
