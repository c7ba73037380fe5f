import yargs from 'yargs';
import { PortchurnError, PlanError, PreflightError } from '../errors.js';
import { ResultInputError } from '../errors.js';
import { VERSION } from '../result/version.js';
import { runCommand, runOptions } from './commands/run.js';
import { compareCommand, compareOptions, reportCommand, reportOptions } from './commands/report.js';
import { serveCommand, serveOptions } from './commands/serve.js';
import { sweepCommand, sweepOptions } from './commands/sweep.js';
import { labCommand, labOptions } from './commands/lab.js';
import { limitsCommand, limitsOptions } from './commands/limits.js';
import { doctorCommand, doctorOptions } from './commands/doctor.js';
import { mergeCommand, mergeOptions } from './commands/merge.js';
import { nginxCommand, nginxOptions } from './commands/nginx.js';
import { EXIT, printError, type CliIo } from './output.js';

/** Options (and positionals) that may be given several times. */
const REPEATABLE = new Set(['_', 'header', 'H', 'sysctl', 'fail-on', 'failOn', 'files']);

/** A parse error from yargs (unknown option, bad choice). */
class UsageError extends PortchurnError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The CLI: parses `args`, runs one command, returns its exit status. Everything the user sees
 * is written to `io`; nothing below this layer prints.
 */
export async function main(args: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let status: number = EXIT.ok;
  const cli = yargs([...args])
    .scriptName('portchurn')
    .version(VERSION)
    .strict()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .check((argv) => {
      // yargs makes an array of an option given twice; only the repeatable ones may be arrays.
      for (const [key, value] of Object.entries(argv)) {
        if (Array.isArray(value) && !REPEATABLE.has(key)) throw new UsageError(`--${key} is given more than once`);
      }
      return true;
    })
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    })
    .command(
      'run',
      'non-keepalive load over a pool of source addresses; writes a JSON result',
      (y) =>
        runOptions(y)
          .example('$0 run', 'the built-in target, 64 connections, 10 s, kernel-chosen source ports')
          .example('$0 run --sources 16 --close client -d 30s', 'spread over 127.0.0.1-127.0.0.16 with bind()')
          .example('$0 run --sources 127.0.1.0/28 --port-mode explicit', 'the tool picks each source port')
          .example('$0 run --target http://127.0.0.1:8080/ --rate 5000 -d 1m', 'open loop, coordinated-omission corrected'),
      async (argv) => {
        status = await runCommand(argv, io);
      },
    )
    .command(
      'sweep',
      'grow the 4-tuple space stage by stage beside a single-address baseline; writes JSON, Markdown, HTML, .hgrm',
      (y) =>
        sweepOptions(y)
          .example('$0 sweep', 'sources 1,2,4,8,16: a kernel-mode baseline, then bind() over fresh addresses')
          .example('$0 sweep --axis dst-addresses --values 1,2,4', 'the built-in target on more addresses')
          .example('$0 sweep --axis close -d 5s', 'client, server, reset and keepalive side by side'),
      async (argv) => {
        status = await sweepCommand(argv, io);
      },
    )
    .command(
      'lab',
      'the same sweep under several kernel-setting profiles, every stage in its own network namespace',
      (y) =>
        labOptions(y)
          .example('$0 lab', 'profiles host, no-reuse, narrow x sources 1,4,16,64, 4 s stages')
          .example('$0 lab --axis port-range --values 1000,2000,4000 --profiles no-reuse', 'the port range itself as the axis'),
      async (argv) => {
        status = await labCommand(argv, io);
      },
    )
    .command(
      'limits',
      "this host's port limits, other systems' defaults, and how many sources a rate needs",
      (y) =>
        limitsOptions(y).example(
          '$0 limits --rate 20000 --close client',
          'sources needed for 20,000 new connections/s (the proxy_bind split)',
        ),
      async (argv) => {
        status = await limitsCommand(argv, io);
      },
    )
    .command(
      'nginx',
      "reproduce nginx's upstream port exhaustion (502, errno 99) with a real nginx, and its fixes, side by side",
      (y) =>
        nginxOptions(y)
          .example('$0 nginx', 'plain, split over 8 addresses, upstream keepalive; 1,000-port namespaces, 20 s each')
          .example("$0 nginx --variants plain,split --sources 4 --split-key '$request_id' -d 10s", 'a per-request split key'),
      async (argv) => {
        status = await nginxCommand(argv, io);
      },
    )
    .command(
      'doctor',
      'check this machine for what portchurn needs, with the fix for each',
      (y) => doctorOptions(y),
      async (argv) => {
        status = await doctorCommand(argv, io);
      },
    )
    .command(
      'report <file>',
      're-render the reports of a stored result',
      (y) => reportOptions(y),
      async (argv) => {
        status = await reportCommand(argv, io);
      },
    )
    .command(
      'compare <files..>',
      'stages of several results side by side, with ratios',
      (y) => compareOptions(y),
      async (argv) => {
        status = await compareCommand(argv, io);
      },
    )
    .command(
      'merge <files..>',
      'combine run results of one plan from several generator hosts',
      (y) => mergeOptions(y),
      async (argv) => {
        status = await mergeCommand(argv, io);
      },
    )
    .command(
      'serve',
      'the built-in HTTP/1.1 target alone',
      (y) => serveOptions(y),
      async (argv) => {
        status = await serveCommand(argv, io);
      },
    )
    .demandCommand(1, 'name a command: run, sweep, lab, limits, doctor, report, compare or serve')
    .help()
    .alias('help', 'h');
  let output = '';
  try {
    await cli.parseAsync([...args], {}, (_err, _argv, text) => {
      output = text;
    });
    if (output) io.stdout.write(`${output}\n`);
    return status;
  } catch (error) {
    if (error instanceof PlanError || error instanceof PreflightError || error instanceof UsageError || error instanceof ResultInputError) {
      printError(io, error.message);
      return EXIT.usage;
    }
    printError(io, error instanceof Error ? error.message : String(error));
    return EXIT.failure;
  }
}
