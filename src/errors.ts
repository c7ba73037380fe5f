/**
 * The one error base class of portchurn. Every error the library throws on purpose is a
 * PortchurnError; the CLI maps the subclasses to exit codes.
 */
export class PortchurnError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PortchurnError';
  }
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** Bad input: an option that cannot be given a meaning. The CLI exits 2, before any traffic. */
export class PlanError extends PortchurnError {
  /** The option at fault, as the user typed it (`--sources`). */
  readonly option: string;
  constructor(option: string, message: string, options?: { cause?: unknown }) {
    // The message quotes what the user typed; control characters are escaped so it stays one line.
    super(
      message.replace(CONTROL_CHARACTERS, (c) => JSON.stringify(c).slice(1, -1)),
      options,
    );
    this.name = 'PlanError';
    this.option = option;
  }
}

/** The plan is well formed but this host cannot carry it out (an address that cannot be bound). Exit 2. */
export class PreflightError extends PortchurnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PreflightError';
  }
}

/** The built-in target could not start or answer. */
export class TargetError extends PortchurnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TargetError';
  }
}

/** A result file could not be written or read. */
export class ResultFileError extends PortchurnError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ResultFileError';
    this.path = path;
  }
}

/** A result file that cannot be used as input (missing, truncated, corrupt, newer schema). Exit 2. */
export class ResultInputError extends PortchurnError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ResultInputError';
    this.path = path;
  }
}
