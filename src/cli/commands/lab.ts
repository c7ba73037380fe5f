import type { Argv } from 'yargs';
import { lab, LAB_DEFAULTS, type LabOptions } from '../../lab/lab.js';
import { renderProgress } from '../../report/progress.js';
import { EXIT, printError, type CliIo } from '../output.js';
import { stopOnSignals, stoppingMessage } from '../signals.js';
import { parseReportFormats, saveResult } from '../save-result.js';
import { failedThresholds } from '../threshold-report.js';
import { toRunOptions } from './run.js';
import { stageLine, sweepOptions, type SweepArgs } from './sweep.js';
import type { Axis, Reference, SettlePolicy } from '../../plan/sweep-axes.js';

/** Options of `portchurn lab`: a sweep's, plus the profiles. */
export function labOptions<T>(y: Argv<T>) {
  return sweepOptions(y).option('profiles', {
    type: 'string',
    default: LAB_DEFAULTS.profiles,
    describe: 'profiles to compare: host, no-reuse, loopback-reuse, reuse, narrow, or from --profiles-file',
    group: 'Lab:',
  });
}

/** Parsed arguments of `portchurn lab`. */
export type LabArgs = SweepArgs & { profiles: string };

/** `portchurn lab`: the same sweep under each profile, every stage in its own namespace. */
export async function labCommand(argv: LabArgs, io: CliIo): Promise<number> {
  if (argv.profile !== undefined) {
    printError(io, 'lab compares --profiles (a comma list); --profile is for run and sweep');
    return EXIT.usage;
  }
  const formats = parseReportFormats(argv.reports);
  const { netns: _n, profile: _p, ...runOptions } = toRunOptions(argv);
  const options: LabOptions = {
    ...runOptions,
    profiles: argv.profiles,
    settle: argv.settle as SettlePolicy,
    ...(argv.axis === undefined ? {} : { axis: argv.axis as Axis }),
    ...(argv.values === undefined ? {} : { values: argv.values }),
    ...(argv.reference === undefined ? {} : { reference: argv.reference as Reference }),
  };
  const stop = stopOnSignals((name) => printError(io, stoppingMessage(name)));
  const showProgress = !argv.quiet && !argv.json && !argv['progress-json'] && io.stderr.isTTY === true;
  let profileLabel = '';
  try {
    const result = await lab(options, {
      signal: stop.signal,
      onProfile: (p, i, n) => (profileLabel = `profile ${i + 1}/${n} ${p.name}`),
      ...(argv['progress-json']
        ? {
            onProgress: (stage, p) =>
              io.stderr.write(
                `${JSON.stringify({ type: 'progress', profile: profileLabel, stage: stage.index + 1, stages: stage.count, axisValue: stage.axisValue, ...p })}\n`,
              ),
            onStageDone: (stage, s) => io.stderr.write(`${JSON.stringify({ ...stageLine(stage, s), profile: profileLabel })}\n`),
          }
        : showProgress
          ? {
              onProgress: (stage, p) =>
                io.stderr.write(
                  `\r\x1b[2K${profileLabel} stage ${stage.index + 1}/${stage.count} ${argv.axis}=${stage.axisValue} ${renderProgress(p)}`,
                ),
            }
          : {}),
    });
    if (showProgress) io.stderr.write('\r\x1b[2K');
    const saved = await saveResult(io, { dir: argv.out, prefix: 'lab', formats, json: argv.json, quiet: argv.quiet }, result);
    if (saved !== EXIT.ok) return saved;
    const failed = failedThresholds(result);
    for (const line of failed) printError(io, line);
    return stop.exitStatus() ?? (failed.length > 0 ? EXIT.failure : EXIT.ok);
  } finally {
    stop.dispose();
  }
}
