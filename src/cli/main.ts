import yargs from 'yargs';
import { PortchurnError, PlanError, PreflightError } from '../errors.js';
import { ResultInputError } from '../errors.js';
import { VERSION } from '../result/version.js';
import { COMMANDS } from './commands/index.js';
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
  const cli = COMMANDS.reduce(
    (y, command) => command.register(y, io, (s) => (status = s)),
    yargs([...args])
      .scriptName('portchurn')
      // `--H.x` is an unknown option, not an object under -H (which would reach the plan as one).
      .parserConfiguration({ 'dot-notation': false })
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
      }),
  )
    .demandCommand(1, `name a command: ${COMMANDS.map((c) => c.name).join(', ')}`)
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
