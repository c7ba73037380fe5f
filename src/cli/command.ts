import type { ArgumentsCamelCase, Argv } from 'yargs';
import type { CliIo } from './output.js';

/** One subcommand: its usage, its options, its examples and what it does, in one place. */
export interface CommandSpec<U> {
  /** Usage as yargs reads it: the name and its positionals, e.g. `report <file>`. */
  readonly usage: string;
  readonly describe: string;
  /** Declares the command's options (from its option table). */
  readonly options: (y: Argv) => Argv<U>;
  /** `[command line, what it does]`, shown in the command's help. */
  readonly examples?: readonly (readonly [string, string])[];
  /** Runs the command; returns the exit status. */
  readonly run: (argv: ArgumentsCamelCase<U>, io: CliIo) => Promise<number>;
}

/** A command ready to be added to the CLI: it reports its exit status through `setStatus`. */
export interface Command {
  readonly name: string;
  readonly register: (y: Argv, io: CliIo, setStatus: (status: number) => void) => Argv;
}

/** Makes a `Command` of a spec, so commands with different options sit in one list. */
export function defineCommand<U>(spec: CommandSpec<U>): Command {
  return {
    name: spec.usage.split(' ')[0] ?? spec.usage,
    register: (y, io, setStatus) =>
      y.command(
        spec.usage,
        spec.describe,
        (c) => (spec.examples ?? []).reduce((withExamples, [line, what]) => withExamples.example(line, what), spec.options(c)),
        async (argv) => setStatus(await spec.run(argv, io)),
      ),
  };
}
