import type { Argv } from 'yargs';
import { defineCommand } from '../command.js';
import { renderProgress } from '../../report/progress.js';
import { SWEEP_DEFAULTS, sweep, type SweepOptions } from '../../sweep/sweep.js';
import { DEFAULT_VALUES } from '../../sweep/stages.js';
import type { StageResult } from '../../result/sweep-result.js';
import { printError, type CliIo } from '../output.js';
import { stopOnSignals, stoppingMessage } from '../signals.js';
import { ciOutputs, parseReportFormats } from '../save-result.js';
import { finishCommand } from '../finish.js';
import { RUN_OPTIONS } from './run.js';
import { declareOptions, fieldsOf, type OptionTable } from '../option-table.js';
import { AXES, SETTLE_POLICIES } from '../../plan/sweep-axes.js';
import { startLiveMetrics } from '../live-metrics.js';
import type { Progress } from '../../result/progress.js';

/** A stage's progress line, as the CLI prints it. */
type StageProgress = (stage: { index: number; count: number; axisValue: string }, p: Progress) => void;

/** The options of `portchurn sweep`: those of run, plus the axis and the stage policy. */
export const SWEEP_OPTIONS = {
  ...RUN_OPTIONS,
  axis: {
    type: 'string',
    field: 'axis',
    choices: AXES,
    default: SWEEP_DEFAULTS.axis,
    describe: 'what grows from stage to stage',
    group: 'Sweep:',
  },
  values: {
    type: 'string',
    field: 'values',
    describe: 'comma list, one stage each',
    defaultDescription: `${DEFAULT_VALUES.sources} for sources`,
    group: 'Sweep:',
  },
  reference: {
    type: 'string',
    field: 'reference',
    describe:
      "reference rows beside the stages, a comma list: kernel (unbound connect()), bind (bind() over the last stage's addresses), or none",
    defaultDescription: 'bind,kernel beside nobind stages; kernel beside bind stages; none on other axes',
    group: 'Sweep:',
  },
  settle: {
    type: 'string',
    field: 'settle',
    choices: SETTLE_POLICIES,
    default: SWEEP_DEFAULTS.settle,
    describe: 'keep stages clear of earlier TIME_WAIT: fresh addresses, wait, or none',
    group: 'Sweep:',
  },
  'settle-timeout': {
    type: 'string',
    field: 'settleTimeout',
    describe: 'longest --settle wait before a stage',
    libraryDefault: SWEEP_DEFAULTS.settleTimeout,
    group: 'Sweep:',
  },
  reports: { ...RUN_OPTIONS.reports, default: SWEEP_DEFAULTS.reports },
} as const satisfies OptionTable;

/** Declares the options of `portchurn sweep` on `y`. */
export function sweepOptions(y: Argv) {
  return declareOptions(y, SWEEP_OPTIONS);
}

/** The `--progress-json` line of a stage that has ended. */
export function stageLine(stage: { index: number; count: number; axisValue: string }, s: StageResult): Record<string, unknown> {
  const t = s.run.totals;
  return {
    type: 'stage',
    stage: stage.index + 1,
    stages: stage.count,
    axisValue: stage.axisValue,
    attempts: t.attempts,
    ok: t.ok,
    errors: t.errorCount,
    okPerSec: t.okPerSec,
    limitedBy: s.run.limitedBy?.cause ?? null,
  };
}

/** Parsed arguments of `portchurn sweep`. */
export type SweepArgs = Awaited<ReturnType<typeof sweepOptions>['argv']>;

/** `portchurn sweep`: one stage per axis value; writes the JSON result and its reports. */
export async function sweepCommand(argv: SweepArgs, io: CliIo): Promise<number> {
  const formats = parseReportFormats(argv.reports);
  const options: SweepOptions = fieldsOf(SWEEP_OPTIONS, argv);
  const stop = stopOnSignals((name) => printError(io, stoppingMessage(name)));
  const showProgress = !argv.quiet && !argv.json && !argv['progress-json'] && io.stderr.isTTY === true;
  const live = await startLiveMetrics(argv['metrics-listen'], argv['allow-remote'] === true, io);
  const print: StageProgress | null = argv['progress-json']
    ? (stage, p) =>
        io.stderr.write(
          `${JSON.stringify({ type: 'progress', stage: stage.index + 1, stages: stage.count, axisValue: stage.axisValue, ...p })}\n`,
        )
    : showProgress
      ? (stage, p) =>
          io.stderr.write(`\r\x1b[2Kstage ${stage.index + 1}/${stage.count} ${argv.axis}=${stage.axisValue} ${renderProgress(p)}`)
      : null;
  try {
    const result = await sweep(options, {
      signal: stop.signal,
      ...(print || live
        ? {
            onProgress: (stage, p) => {
              print?.(stage, p);
              live?.update({ stage: String(stage.index + 1), value: stage.axisValue }, p);
            },
          }
        : {}),
      ...(argv['progress-json'] ? { onStageDone: (stage, s) => io.stderr.write(`${JSON.stringify(stageLine(stage, s))}\n`) } : {}),
    });
    if (showProgress) io.stderr.write('\r\x1b[2K');
    return await finishCommand(
      io,
      { dir: argv.out, prefix: 'sweep', formats, json: argv.json, quiet: argv.quiet, ...ciOutputs(argv.junit) },
      result,
      stop,
    );
  } finally {
    stop.dispose();
    await live?.close();
  }
}

/** `portchurn sweep`. */
export const SWEEP_COMMAND = defineCommand({
  usage: 'sweep',
  describe: 'grow the 4-tuple space stage by stage beside a single-address baseline; writes JSON, Markdown, HTML, .hgrm',
  options: sweepOptions,
  examples: [
    [
      '$0 sweep',
      'sources 1,2,4,8,16 over fresh addresses in the port path proxies use (nobind with the native engine, bind without), beside bind and kernel reference rows',
    ],
    ['$0 sweep --axis dst-addresses --values 1,2,4', 'the built-in target on more addresses'],
    ['$0 sweep --axis close -d 5s', 'client, server, reset and keepalive side by side'],
  ],
  run: sweepCommand,
});
