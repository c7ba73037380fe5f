import { spawnSync } from 'node:child_process';
import { IS_ROOT } from './prereq.js';

/** True when this process can make a private network namespace with `unshare -n` (root). */
export const CAN_UNSHARE = IS_ROOT && spawnSync('unshare', ['-n', 'true']).status === 0;

/**
 * A wrapper for `runCli` that runs the command in a fresh network namespace with loopback up and
 * the given sysctls written inside it. The host's own settings are never touched; the namespace
 * and its TIME_WAIT sockets are gone when the command ends.
 */
export function namespaceWrapper(sysctls: Record<string, string>): string[] {
  const writes = Object.entries(sysctls).map(([name, value]) => `echo '${value}' > /proc/sys/${name.replace(/\./g, '/')}`);
  return ['unshare', '-n', 'sh', '-c', [...['ip link set lo up'], ...writes, 'exec "$@"'].join(' && '), 'netns'];
}
