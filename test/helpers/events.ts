import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';

/**
 * Resolves when `ready()` holds, checking it now and again on every `wake` call; rejects with
 * `what` when `timeoutMs` passes first. Tests wait on events this way, never on a fixed sleep.
 */
export function waitUntil(
  what: string,
  timeoutMs: number,
  ready: () => boolean,
  subscribe: (wake: () => void) => () => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let unsubscribe: () => void = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const check = (): void => {
      if (!ready()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    unsubscribe = subscribe(check);
    check();
  });
}

/**
 * Polls `ready()` every `everyMs` until it holds, failing the test after `timeoutMs`: for states
 * no event announces (a process appearing in /proc).
 */
export function pollUntil(what: string, timeoutMs: number, ready: () => boolean, everyMs = 20): Promise<void> {
  return waitUntil(what, timeoutMs, ready, (wake) => {
    const timer = setInterval(wake, everyMs);
    return () => clearInterval(timer);
  });
}

/** A CLI child whose `--progress-json` lines on stderr can be waited for. */
export interface CliChild {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first `--progress-json` line (`progress` or `stage`) for which `match` holds (bounded). */
  progress(match: (p: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit status. */
  readonly exited: Promise<number | null>;
}

/** Starts `portchurn ...args` with `--progress-json`. */
export function startCli(args: readonly string[], options: { detached?: boolean } = {}): CliChild {
  const child = spawn(process.execPath, [BIN, ...args, '--progress-json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached === true,
  });
  let stdout = '';
  let stderr = '';
  const lines: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    const before = stderr.length;
    stderr += d.toString();
    const start = stderr.lastIndexOf('\n', before - 1) + 1;
    // Whole lines that this chunk completed.
    for (const line of stderr.slice(start, stderr.lastIndexOf('\n') + 1).split('\n')) {
      if (line.startsWith('{"type":')) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    for (const wake of listeners) wake();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      for (const wake of listeners) wake();
      resolve(code);
    }),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    progress: async (match, timeoutMs = 30_000) => {
      let found: Record<string, unknown> | undefined;
      await waitUntil(
        `a progress line that matches (stderr so far: ${stderr.slice(-300)})`,
        timeoutMs,
        () => (found = lines.find(match)) !== undefined || child.exitCode !== null,
        (wake) => {
          listeners.add(wake);
          return () => listeners.delete(wake);
        },
      );
      if (!found) throw new Error(`the CLI exited (${child.exitCode}) before the progress line came: ${stderr.slice(-500)}`);
      return found;
    },
  };
}

/** A spawned child's output as it comes, and a bounded wait for a line of it. */
export interface ChildOutput {
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout holds `text`, or when the child exits (the caller then asserts on stdout); fails after `timeoutMs`. */
  printed(text: string, timeoutMs: number): Promise<void>;
  readonly exited: Promise<number | null>;
}

/** Follows `child`'s stdout and stderr (both piped). */
export function followOutput(child: ChildProcess): ChildOutput {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    printed: (text, timeoutMs) =>
      waitUntil(
        `'${text}' on the child's stdout (stderr: ${stderr.slice(-300)})`,
        timeoutMs,
        () => stdout.includes(text) || child.exitCode !== null,
        (wake) => {
          child.stdout!.on('data', wake);
          child.on('close', wake);
          return () => {
            child.stdout!.off('data', wake);
            child.off('close', wake);
          };
        },
      ),
  };
}

/** pollUntil for a state read asynchronously (a /proc table): checks every `everyMs`, fails after `timeoutMs`. */
export async function pollUntilAsync(what: string, timeoutMs: number, ready: () => Promise<boolean>, everyMs = 20): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await ready())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
