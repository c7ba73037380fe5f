import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import type { SysctlSet } from '../plan/sysctls.js';

/**
 * Prepares the namespace a stage child was started in (by `unshare -n`): refuses to go on unless
 * it really is a new network namespace (`parentNetns` is the parent's `net:[inode]`), brings
 * loopback up, writes the stage's settings and reads each back. Throws on any failure; the host's
 * own settings are never written.
 */
export function enterStageNamespace(parentNetns: string, sysctls: SysctlSet): void {
  if (readlinkSync('/proc/self/ns/net') === parentNetns) throw new Error('not in a new network namespace: refusing to change settings');
  const up = spawnSync('ip', ['link', 'set', 'lo', 'up']);
  if (up.status !== 0) throw new Error(`cannot bring loopback up in the namespace: ${String(up.stderr).trim()}`);
  for (const [name, value] of Object.entries(sysctls)) {
    const path = `/proc/sys/${name.replace(/\./g, '/')}`;
    writeFileSync(path, value);
    const read = readFileSync(path, 'utf8').trim().replace(/\s+/g, ' ');
    if (read !== value.replace(/\s+/g, ' ')) throw new Error(`${name}: wrote '${value}', the kernel kept '${read}'`);
  }
}
