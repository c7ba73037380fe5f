import { EXIT } from './output.js';

/** An AbortController fed by SIGINT/SIGTERM: the first signal aborts, a second exits at once. */
export interface SignalStop {
  readonly signal: AbortSignal;
  /** The exit status the signal calls for, or null when none came. */
  exitStatus(): number | null;
  dispose(): void;
}

/** Listens for SIGINT and SIGTERM for the length of one command. */
export function stopOnSignals(): SignalStop {
  const controller = new AbortController();
  let status: number | null = null;
  const handler = (name: NodeJS.Signals): void => {
    const code = name === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
    if (status !== null) process.exit(code);
    status = code;
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
