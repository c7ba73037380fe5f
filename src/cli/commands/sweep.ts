import type { Argv } from 'yargs';
import { renderProgress } from '../../report/progress.js';
import { AXES, SETTLE_POLICIES, type Axis, type SettlePolicy } from '../../sweep/stages.js';
import { sweep, type SweepOptions } from '../../sweep/sweep.js';
import type { PortMode } from '../../plan/plan.js';
import { EXIT, printError, type CliIo } from '../output.js';
import { stopOnSignals } from '../signals.js';
import { parseReportFormats, saveResult } from '../save-result.js';
import { failedThresholds } from '../threshold-report.js';
import { runOptions, toRunOptions, type RunArgs } from './run.js';

/** Options of `portchurn sweep`: those of run, plus the axis and the stage policy. */
export function sweepOptions<T>(y: Argv<T>) {
  return runOptions(y)
    .option('axis', { type: 'string', choices: AXES, default: 'sources', describe: 'what grows from stage to stage', group: 'Sweep:' })
    .option('values', { type: 'string', describe: 'comma list, one stage each [default: 1,2,4,8,16 for sources]', group: 'Sweep:' })
    .option('baseline-mode', { type: 'string', choices: ['kernel', 'bind', 'explicit'], describe: 'port mode of the first (baseline) stage of a sources sweep [default: kernel]', group: 'Sweep:' })
    .option('settle', { type: 'string', choices: SETTLE_POLICIES, default: 'fresh', describe: 'keep stages clear of earlier TIME_WAIT: fresh addresses, wait, or none', group: 'Sweep:' })
    .option('settle-timeout', { type: 'string', describe: 'longest --settle wait before a stage [default: 75s]', group: 'Sweep:' })
    .option('reports', { type: 'string', default: 'md,html,hgrm', describe: "reports written beside the JSON ('' for none)", group: 'Output:' });
}

/** Parsed arguments of `portchurn sweep`. */
export type SweepArgs = Awaited<ReturnType<typeof sweepOptions>['argv']>;

/** `portchurn sweep`: one stage per axis value; writes the JSON result and its reports. */
export async function sweepCommand(argv: SweepArgs, io: CliIo): Promise<number> {
  const formats = parseReportFormats(argv.reports);
  const options: SweepOptions = {
    ...toRunOptions(argv as unknown as RunArgs),
    axis: argv.axis as Axis,
    settle: argv.settle as SettlePolicy,
    ...(argv.values === undefined ? {} : { values: argv.values }),
    ...(argv['baseline-mode'] === undefined ? {} : { baselineMode: argv['baseline-mode'] as PortMode }),
    ...(argv['settle-timeout'] === undefined ? {} : { settleTimeout: argv['settle-timeout'] }),
  };
  const stop = stopOnSignals();
  const showProgress = !argv.quiet && !argv.json && io.stderr.isTTY === true;
  try {
    const result = await sweep(options, {
      signal: stop.signal,
      ...(showProgress
        ? { onProgress: (stage, p) => io.stderr.write(`\r\x1b[2Kstage ${stage.index + 1}/${stage.count} ${argv.axis}=${stage.axisValue} ${renderProgress(p)}`) }
        : {}),
    });
    if (showProgress) io.stderr.write('\r\x1b[2K');
    const saved = await saveResult(io, { dir: argv.out, prefix: 'sweep', formats, json: argv.json, quiet: argv.quiet }, result);
    if (saved !== EXIT.ok) return saved;
    const failed = failedThresholds(result);
    for (const line of failed) printError(io, line);
    return stop.exitStatus() ?? (failed.length > 0 ? EXIT.failure : EXIT.ok);
  } finally {
    stop.dispose();
  }
}
