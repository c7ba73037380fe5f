import type { Argv, InferredOptionType, InferredOptionTypes, Options } from 'yargs';

/**
 * One command-line option: how yargs reads it, which library option it fills, and the default
 * the library applies when it is absent. Each command states its options once, as a table of
 * these; yargs' help and the mapping to the library's options are both made from that table.
 */
export interface OptionSpec extends Options {
  /** The library option (camelCase) this fills; absent for options the command reads itself (output, files). */
  readonly field?: string;
  /**
   * The library's default, shown in help as `[default: ...]` but not put into argv, so the
   * library still sees which options the user gave (e.g. `--connections` and `--rate` exclude
   * each other only when both were given). Take it from the library's defaults object.
   */
  readonly libraryDefault?: string | number | boolean;
}

/** A command's options by their long name. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** yargs' own declaration of one option: the table's extra keys dropped, the library default put into help. */
function yargsOption(spec: OptionSpec): Options {
  const { field: _field, libraryDefault, ...options } = spec;
  return libraryDefault === undefined ? options : { defaultDescription: String(libraryDefault), ...options };
}

/** Declares every option of `table` on `y`; the parsed argv is typed from the table. */
export function declareOptions<T, O extends OptionTable>(y: Argv<T>, table: O): Argv<Omit<T, keyof O> & InferredOptionTypes<O>> {
  const declared: Record<string, Options> = {};
  for (const [name, spec] of Object.entries(table)) declared[name] = yargsOption(spec);
  // The same keys and yargs types as `table`; only help texts changed.
  return y.options(declared as O);
}

type FieldOf<S> = S extends { readonly field: infer F extends string } ? F : never;

/** The library options a table fills, each typed as yargs parses it. */
export type FieldsOf<O extends OptionTable> = {
  [K in keyof O as FieldOf<O[K]>]?: Exclude<InferredOptionType<O[K]>, undefined>;
};

/** The library options the user gave: for each table entry with a `field`, argv's value when it is set. */
export function fieldsOf<O extends OptionTable>(table: O, argv: Readonly<Record<string, unknown>>): FieldsOf<O> {
  const fields: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const value = argv[name];
    if (spec.field !== undefined && value !== undefined) fields[spec.field] = value;
  }
  return fields as FieldsOf<O>;
}

/** Another command's entry for the same option, told for this command: another description, no help group. */
export function describedAs<S extends OptionSpec>(spec: S, describe: string): Omit<S, 'describe' | 'group'> & { describe: string } {
  const { group: _group, describe: _describe, ...rest } = spec;
  return { ...rest, describe };
}
