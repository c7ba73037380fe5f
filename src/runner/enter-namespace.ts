import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import type { SysctlSet } from '../plan/sysctls.js';

/**
 * Prepares the namespace a stage child was started in (by `unshare -n`): refuses to go on unless
 * it really is a new network namespace (`parentNetns` is the parent's `net:[inode]`), brings
 * loopback up, makes `localPrefix` (IPv6) local, writes the stage's settings and reads each back.
 * Throws on any failure; the host's own settings and routes are never written.
 */
export function enterStageNamespace(parentNetns: string, sysctls: SysctlSet, localPrefix: string | null = null): void {
  if (readlinkSync('/proc/self/ns/net') === parentNetns) throw new Error('not in a new network namespace: refusing to change settings');
  const up = spawnSync('ip', ['link', 'set', 'lo', 'up']);
  if (up.status !== 0) throw new Error(`cannot bring loopback up in the namespace: ${String(up.stderr).trim()}`);
  if (localPrefix !== null) makeLocal(localPrefix);
  for (const [name, value] of Object.entries(sysctls)) {
    const path = `/proc/sys/${name.replace(/\./g, '/')}`;
    writeFileSync(path, value);
    const read = readFileSync(path, 'utf8').trim().replace(/\s+/g, ' ');
    if (read !== value.replace(/\s+/g, ' ')) throw new Error(`${name}: wrote '${value}', the kernel kept '${read}'`);
  }
}

/**
 * "AnyIP": a local route makes every address of the prefix this namespace's own, with no
 * address added (so no duplicate address detection, any number of addresses). bind() still
 * refuses an address that is not configured on an interface (EADDRNOTAVAIL) unless the socket
 * sets IPV6_FREEBIND or the namespace sets net.ipv6.ip_nonlocal_bind=1, which is set here so the
 * JavaScript engine and the built-in target can bind too. Both go with the namespace.
 */
function makeLocal(prefix: string): void {
  const route = spawnSync('ip', ['-6', 'route', 'add', 'local', prefix, 'dev', 'lo']);
  if (route.status !== 0) throw new Error(`cannot make ${prefix} local in the namespace: ${String(route.stderr).trim()}`);
  writeFileSync('/proc/sys/net/ipv6/ip_nonlocal_bind', '1');
}
