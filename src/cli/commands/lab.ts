import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { lab, LAB_DEFAULTS, type LabOptions } from '../../lab/lab.js';
import { renderProgress } from '../../report/progress.js';
import { EXIT, printError, type CliIo } from '../output.js';
import { stopOnSignals, stoppingMessage } from '../signals.js';
import { ciOutputs, parseReportFormats } from '../save-result.js';
import { finishCommand } from '../finish.js';
import { SWEEP_OPTIONS, stageLine } from './sweep.js';
import { declareOptions, fieldsOf, type OptionTable } from '../option-table.js';
import { startLiveMetrics } from '../live-metrics.js';
import type { Progress } from '../../result/progress.js';

/** A stage's progress line, as the CLI prints it. */
type StageProgress = (stage: { index: number; count: number; axisValue: string }, p: Progress) => void;

/** The options of `portchurn lab`: a sweep's, plus the profiles. */
export const LAB_OPTIONS = {
  ...SWEEP_OPTIONS,
  profiles: {
    type: 'string',
    field: 'profiles',
    default: LAB_DEFAULTS.profiles,
    describe: 'profiles to compare: host, no-reuse, loopback-reuse, reuse, narrow, or from --profiles-file',
    group: 'Lab:',
  },
} as const satisfies OptionTable;

/** Declares the options of `portchurn lab` on `y`. */
export function labOptions(y: Argv) {
  return declareOptions(y, LAB_OPTIONS);
}

/** Parsed arguments of `portchurn lab`. */
export type LabArgs = Awaited<ReturnType<typeof labOptions>['argv']>;

/** The library's options for a lab: those the user gave, but --netns and --profile (a lab makes a namespace per profile and stage). */
export function toLabOptions(argv: LabArgs): LabOptions {
  const { netns: _n, profile: _p, ...options } = fieldsOf(LAB_OPTIONS, argv);
  return options;
}

/** `portchurn lab`: the same sweep under each profile, every stage in its own namespace. */
export async function labCommand(argv: LabArgs, io: CliIo): Promise<number> {
  if (argv.profile !== undefined) {
    printError(io, 'lab compares --profiles (a comma list); --profile is for run and sweep');
    return EXIT.usage;
  }
  const formats = parseReportFormats(argv.reports);
  const options = toLabOptions(argv);
  const stop = stopOnSignals((name) => printError(io, stoppingMessage(name)));
  const showProgress = !argv.quiet && !argv.json && !argv['progress-json'] && io.stderr.isTTY === true;
  let profileLabel = '';
  let profileName = '';
  const live = await startLiveMetrics(argv['metrics-listen'], argv['allow-remote'] === true, io);
  const print: StageProgress | null = argv['progress-json']
    ? (stage, p) =>
        io.stderr.write(
          `${JSON.stringify({ type: 'progress', profile: profileLabel, stage: stage.index + 1, stages: stage.count, axisValue: stage.axisValue, ...p })}\n`,
        )
    : showProgress
      ? (stage, p) =>
          io.stderr.write(
            `\r\x1b[2K${profileLabel} stage ${stage.index + 1}/${stage.count} ${argv.axis}=${stage.axisValue} ${renderProgress(p)}`,
          )
      : null;
  try {
    const result = await lab(options, {
      signal: stop.signal,
      onProfile: (p, i, n) => {
        profileLabel = `profile ${i + 1}/${n} ${p.name}`;
        profileName = p.name;
      },
      ...(print || live
        ? {
            onProgress: (stage, p) => {
              print?.(stage, p);
              live?.update({ stage: `${profileName} ${stage.index + 1}`, value: stage.axisValue }, p);
            },
          }
        : {}),
      ...(argv['progress-json']
        ? { onStageDone: (stage, s) => io.stderr.write(`${JSON.stringify({ ...stageLine(stage, s), profile: profileLabel })}\n`) }
        : {}),
    });
    if (showProgress) io.stderr.write('\r\x1b[2K');
    return await finishCommand(
      io,
      { dir: argv.out, prefix: 'lab', formats, json: argv.json, quiet: argv.quiet, ...ciOutputs(argv.junit) },
      result,
      stop,
    );
  } finally {
    stop.dispose();
    await live?.close();
  }
}

/** `portchurn lab`. */
export const LAB_COMMAND = defineCommand({
  usage: 'lab',
  describe: 'the same sweep under several kernel-setting profiles, every stage in its own network namespace',
  options: labOptions,
  examples: [
    ['$0 lab', 'profiles host, no-reuse, narrow x sources 1,4,16,64, 4 s stages'],
    ['$0 lab --axis port-range --values 1000,2000,4000 --profiles no-reuse', 'the port range itself as the axis'],
  ],
  run: labCommand,
});
