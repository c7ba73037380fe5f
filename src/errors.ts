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

/** A proxy (nginx, HAProxy) could not start or rejected its configuration; the message is the proxy's own. */
export class ProxyError extends PortchurnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProxyError';
  }
}

/** A NAT scene could not be made: `ip` or `nft` missing or refusing; the message carries the tool's own words. */
export class NatSceneError extends PortchurnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NatSceneError';
  }
}

/** A namespaced stage's child process failed, or failed with an error of no known class. */
export class NamespaceError extends PortchurnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NamespaceError';
  }
}

/** An error as it crosses a process boundary (the namespace child's IPC message to its parent). */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** PlanError's option. */
  readonly option?: string;
  /** ResultFileError's and ResultInputError's path. */
  readonly path?: string;
}

/**
 * The errors that keep their class across a process boundary, keyed by the class's own name (the
 * `name` each sets is held equal to it by a test), so renaming a class renames its key with it and
 * nothing falls through to the generic case.
 */
const REVIVERS: ReadonlyMap<string, (w: WireError) => PortchurnError> = new Map(
  [
    [PlanError, (w: WireError) => new PlanError(w.option ?? '', w.message)] as const,
    [PreflightError, (w: WireError) => new PreflightError(w.message)] as const,
    [TargetError, (w: WireError) => new TargetError(w.message)] as const,
    [ProxyError, (w: WireError) => new ProxyError(w.message)] as const,
    [NamespaceError, (w: WireError) => new NamespaceError(w.message)] as const,
    [NatSceneError, (w: WireError) => new NatSceneError(w.message)] as const,
    [ResultFileError, (w: WireError) => new ResultFileError(w.path ?? '', w.message)] as const,
    [ResultInputError, (w: WireError) => new ResultInputError(w.path ?? '', w.message)] as const,
  ].map(([cls, revive]) => [cls.name, revive]),
);

/** The classes whose errors keep their class across a process boundary. */
export const CROSSING_ERRORS: readonly string[] = [...REVIVERS.keys()];

/** An error as a plain object that survives structured cloning or JSON. */
export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const extra = error as { option?: unknown; path?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(typeof extra.option === 'string' ? { option: extra.option } : {}),
    ...(typeof extra.path === 'string' ? { path: extra.path } : {}),
  };
}

/**
 * The error a WireError stood for: the same class and message when it is one of ours; otherwise a
 * NamespaceError that names the foreign error (`in the namespace: TypeError: ...`).
 */
export function fromWire(w: WireError): PortchurnError {
  const revive = REVIVERS.get(w.name);
  return revive ? revive(w) : new NamespaceError(`in the namespace: ${w.name}: ${w.message}`);
}
