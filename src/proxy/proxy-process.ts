import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PreflightError, ProxyError } from '../errors.js';
import type { ProxyKind } from '../plan/proxy-variants.js';
import { readTcpSockets } from '../env/proc-net-tcp.js';

export { ProxyError } from '../errors.js';

/** Where each proxy's binary is looked for, and how to get it. */
const BINARIES: Record<ProxyKind, { readonly debian: string; readonly flag: string; readonly install: string }> = {
  nginx: {
    debian: '/usr/sbin/nginx',
    flag: '--nginx-bin',
    install: 'apt-get install nginx-light (Debian/Ubuntu) or brew install nginx (macOS)',
  },
  haproxy: {
    debian: '/usr/sbin/haproxy',
    flag: '--haproxy-bin',
    install: 'apt-get install haproxy (Debian/Ubuntu) or brew install haproxy (macOS)',
  },
};

/** Finds a proxy's binary: the flag's path, else the name on PATH, else Debian's /usr/sbin one. */
export function findProxy(kind: ProxyKind, bin?: string): string {
  const { debian, flag, install } = BINARIES[kind];
  const candidates = bin
    ? [bin]
    : [
        ...(process.env.PATH ?? '')
          .split(':')
          .filter(Boolean)
          .map((d) => join(d, kind)),
        debian,
      ];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new PreflightError(bin ? `${flag} ${bin} does not exist` : `${kind} is not installed: ${install}, or pass ${flag}`);
}

/**
 * What this process started and has not yet cleaned up: each proxy's process group (it is started
 * as a group leader, so its workers are in it) and each private prefix. When this process exits
 * with some still here (the namespace child ends 2 s after its parent died, before a variant's
 * own cleanup ran), the exit hook kills those groups and removes those prefixes, so no nginx or
 * HAProxy is orphaned holding the namespace alive. Only what we started, by its pid.
 */
const live = { groups: new Set<number>(), prefixes: new Set<string>() };
let exitHookInstalled = false;

function cleanUpAtExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of live.groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const prefix of live.prefixes) rmSync(prefix, { recursive: true, force: true });
  });
}

/** A private prefix for one proxy: configuration, pid, logs, sockets, temp files. */
export async function makePrefix(kind: ProxyKind, dirs: readonly string[] = []): Promise<string> {
  cleanUpAtExit();
  const prefix = await mkdtemp(join(tmpdir(), `portchurn-${kind}-`));
  live.prefixes.add(prefix);
  for (const dir of dirs) await mkdir(join(prefix, dir), { recursive: true });
  return prefix;
}

/** Removes a prefix made by `makePrefix`. */
export async function removePrefix(prefix: string): Promise<void> {
  await rm(prefix, { recursive: true, force: true });
  live.prefixes.delete(prefix);
}

/** A proxy process started by us: stopped by its pid, its exit recorded when it comes first. */
export interface ProxyProcess {
  readonly pid: number;
  /** Set when the process exited on its own (or was killed by someone else) before stop(). */
  exit(): { code: number | null; signal: string | null; atMs: number } | null;
  /** The last lines it wrote on stderr. */
  stderrTail(): string;
  /** Stops it by its pid (`signal`, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Waits until something listens on 127.0.0.1:`port` in this namespace, read from /proc/net/tcp:
 * a connect() would be a client connection, and through HAProxy in tcp mode an upstream one too.
 */
async function waitForListener(name: string, port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new ProxyError(`${name} exited with status ${child.exitCode ?? child.signalCode} before listening`);
    const sockets = await readTcpSockets();
    if (sockets.some((s) => s.state === 'LISTEN' && s.localPort === port && s.localAddress === '127.0.0.1')) return;
    if (Date.now() > deadline) throw new ProxyError(`${name} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Lines of stderr kept for messages (every line goes to `onStderrLine` as it comes). */
const STDERR_KEEP_LINES = 64;

/**
 * Starts `bin args` in the foreground and waits until it listens on 127.0.0.1:`listenPort`.
 * `now` gives the ms the exit time is measured in (the variant's load clock); every stderr line
 * goes to `onStderrLine` as it comes, so a long run's log is counted, not kept.
 */
export async function startProxyProcess(
  name: ProxyKind,
  bin: string,
  args: readonly string[],
  listenPort: number,
  stopSignal: NodeJS.Signals,
  now: () => number,
  onStderrLine: (line: string) => void = () => {},
): Promise<ProxyProcess> {
  cleanUpAtExit();
  // A group of its own (detached): its workers can be ended with it, and a terminal's Ctrl-C goes
  // to portchurn, which decides when the proxy stops.
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  if (child.pid !== undefined) live.groups.add(child.pid);
  const tail: string[] = [];
  const lines = createInterface({ input: child.stderr!, crlfDelay: Infinity });
  lines.on('line', (line) => {
    tail.push(line);
    if (tail.length > STDERR_KEEP_LINES) tail.shift();
    onStderrLine(line);
  });
  const stderrClosed = new Promise<void>((resolve) => lines.once('close', resolve));
  let exit: { code: number | null; signal: string | null; atMs: number } | null = null;
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!stopping) exit = { code, signal, atMs: Math.round(now()) };
      resolve();
    }),
  );
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned) throw new ProxyError(`${name} could not be started from ${bin}`);
  try {
    await waitForListener(name, listenPort, child, 10_000);
  } catch (error) {
    stopping = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
    live.groups.delete(child.pid!);
    const last = tail.filter((l) => l.trim() !== '').at(-1);
    throw new ProxyError(`${(error as Error).message}${last ? `: ${last}` : ''}`);
  }
  return {
    pid: child.pid!,
    exit: () => exit,
    stderrTail: () => tail.join('\n'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        stopping = true;
        child.kill(stopSignal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      } else {
        // It died before us (killed by someone else): its workers may still be in its group.
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // none left
        }
      }
      live.groups.delete(child.pid!);
      // Every line it wrote has been counted once its stderr has closed.
      await stderrClosed;
    },
  };
}
