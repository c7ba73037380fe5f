/** Where the CLI writes; replaced in tests. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Exit statuses of the CLI. */
export const EXIT = {
  ok: 0,
  /** The run failed at run time (the target could not start, a result could not be written). */
  failure: 1,
  /** Bad input: nothing was sent. */
  usage: 2,
  /**
   * A document portchurn wrote does not match its JSON Schema (EX_SOFTWARE: a bug in portchurn).
   * Checked only with PORTCHURN_STRICT_SCHEMA=1, as `npm test` runs; the document is still written.
   */
  schema: 70,
  /** Interrupted by SIGINT (128 + 2) or SIGTERM (128 + 15). */
  sigint: 130,
  sigterm: 143,
} as const;

/** One line on stderr, the way every CLI error is reported. */
export function printError(io: CliIo, message: string): void {
  io.stderr.write(`portchurn: ${message.split('\n')[0]}\n`);
}
