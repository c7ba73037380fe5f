import { EXIT } from './output.js';

/** An AbortController fed by SIGINT/SIGTERM: the first signal aborts, a second exits at once. */
export interface SignalStop {
  readonly signal: AbortSignal;
  /** The exit status the signal calls for, or null when none came. */
  exitStatus(): number | null;
  dispose(): void;
}

/**
 * Listens for SIGINT and SIGTERM for the length of one command. `onFirst` is told of the first
 * signal (the CLI says what happens next); the second ends the process at once.
 */
export function stopOnSignals(onFirst?: (name: NodeJS.Signals) => void): SignalStop {
  const controller = new AbortController();
  let status: number | null = null;
  const handler = (name: NodeJS.Signals): void => {
    const code = name === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
    if (status !== null) process.exit(code);
    status = code;
    onFirst?.(name);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    exitStatus: () => status,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** What the CLI says on the first signal. */
export function stoppingMessage(name: NodeJS.Signals): string {
  return `${name}: stopping; in-flight attempts get 2 s to finish and what was measured is kept (a second ${name} exits at once, losing it)`;
}
