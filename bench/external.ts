import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU seconds of this process's finished children (cutime + cstime of /proc/self/stat). */
export function childrenCpuSec(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After the ") ", field 14/15 of stat (cutime, cstime) are at index 13 and 14, in clock ticks (100/s on Linux).
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Runs a command to completion and returns its stdout. */
export function runCommand(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

/** wrk's "Requests/sec:" figure. */
export function parseWrk(text: string): number {
  const m = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (!m) throw new Error('wrk printed no Requests/sec');
  return Number(m[1]);
}

/** ab's "Requests per second:" figure. */
export function parseAb(text: string): number {
  const m = /Requests per second:\s+([\d.]+)/.exec(text);
  if (!m) throw new Error('ab printed no Requests per second');
  return Number(m[1]);
}
