import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI entry point. */
export const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));

/** What a CLI run printed and how it ended. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `portchurn ...args` (optionally under a wrapper like `unshare -n`) and collects its output. */
export function runCli(
  args: readonly string[],
  options: { wrapper?: readonly string[]; cwd?: string; timeoutMs?: number; env?: Record<string, string>; bin?: string } = {},
): Promise<CliRun> {
  const command = [...(options.wrapper ?? []), process.execPath, options.bin ?? BIN, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
