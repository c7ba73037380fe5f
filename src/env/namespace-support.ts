import { spawnSync } from 'node:child_process';
import { PreflightError } from '../errors.js';

let cachedPrefix: string[] | null = null;

/**
 * The command prefix that puts a process in a fresh network namespace: `unshare -n` as root,
 * `unshare -r -n` (an unprivileged user namespace mapping us to root inside it) where the OS
 * allows that; otherwise a PreflightError saying what is missing.
 */
export function namespacePrefix(): string[] {
  if (cachedPrefix) return cachedPrefix;
  if (spawnSync('unshare', ['--version']).error) {
    throw new PreflightError('--netns needs the unshare command (Debian: apt-get install util-linux)');
  }
  if (spawnSync('ip', ['-V']).error)
    throw new PreflightError('--netns needs the ip command to bring loopback up (Debian: apt-get install iproute2)');
  const candidates = process.getuid?.() === 0 ? [['unshare', '-n']] : [['unshare', '-r', '-n']];
  for (const prefix of candidates) {
    if (spawnSync(prefix[0]!, [...prefix.slice(1), 'true']).status === 0) return (cachedPrefix = prefix);
  }
  throw new PreflightError(
    '--netns cannot make a network namespace here: run as root, or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or the AppArmor userns restriction off)',
  );
}

/** Why this process cannot make a network namespace, or null when it can (the check runs once). */
export function namespaceUnavailable(): string | null {
  try {
    namespacePrefix();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
