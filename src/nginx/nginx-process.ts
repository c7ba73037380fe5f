import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PreflightError, PortchurnError } from '../errors.js';

/** nginx could not start or rejected its configuration; the message is nginx's own. */
export class NginxError extends PortchurnError {
  constructor(message: string) {
    super(message);
    this.name = 'NginxError';
  }
}

/** Finds the nginx binary: `--nginx-bin`, else `nginx` on PATH, else Debian's /usr/sbin/nginx. */
export function findNginx(bin?: string): string {
  const candidates = bin
    ? [bin]
    : [
        ...(process.env.PATH ?? '')
          .split(':')
          .filter(Boolean)
          .map((d) => join(d, 'nginx')),
        '/usr/sbin/nginx',
      ];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new PreflightError(
    bin
      ? `--nginx-bin ${bin} does not exist`
      : 'nginx is not installed: apt-get install nginx-light (Debian/Ubuntu) or brew install nginx (macOS), or pass --nginx-bin',
  );
}

/** A private prefix for one nginx: configuration, pid, logs, temp files. */
export async function makePrefix(): Promise<string> {
  const prefix = await mkdtemp(join(tmpdir(), 'portchurn-nginx-'));
  for (const dir of ['logs', 'temp', 'temp/client', 'temp/proxy', 'temp/fastcgi', 'temp/uwsgi', 'temp/scgi'])
    await mkdir(join(prefix, dir), { recursive: true });
  return prefix;
}

/** A running nginx, started by us. */
export interface NginxProcess {
  readonly pid: number;
  /** Stops it (by its pid) and waits for it to exit. */
  stop(): Promise<void>;
  readErrorLog(): Promise<string>;
}

function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) return reject(new NginxError(`nginx exited with status ${child.exitCode} before listening`));
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve();
      });
      s.on('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new NginxError(`nginx did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * Writes `config` into the prefix, checks it with `nginx -t` (an error carries nginx's own
 * message), starts nginx in the foreground and waits until it listens on `listenPort`.
 */
export async function startNginx(bin: string, prefix: string, config: string, listenPort: number): Promise<NginxProcess> {
  const confPath = join(prefix, 'nginx.conf');
  await writeFile(confPath, config);
  const check = spawnSync(bin, ['-t', '-q', '-p', prefix, '-c', confPath], { encoding: 'utf8' });
  if (check.status !== 0) {
    const message = `${check.stderr}`.split('\n').find((l) => l.includes('[emerg]')) ?? `${check.stderr}`.trim();
    throw new NginxError(`nginx rejected its configuration: ${message}`);
  }
  const child = spawn(bin, ['-p', prefix, '-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(listenPort, child, 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw new NginxError(`${(error as Error).message}${stderr ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`);
  }
  return {
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) {
        // SIGQUIT: nginx's graceful shutdown; SIGKILL if it has not gone within 5 s.
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
    readErrorLog: () => readFile(join(prefix, 'logs', 'error.log'), 'utf8').catch(() => ''),
  };
}

/** Removes a prefix made by `makePrefix`. */
export function removePrefix(prefix: string): Promise<void> {
  return rm(prefix, { recursive: true, force: true });
}
