import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readOpenFileLimit } from '../env/environment.js';
import { namespacePrefix } from '../env/namespace-support.js';
import { tryBind } from '../runner/preflight.js';
import { loadNative } from '../addon/addon.js';

/** What a check enables; `core` checks are always needed. */
export type Feature = 'core' | 'native' | 'netns' | 'nginx' | 'haproxy' | 'nat' | 'chromium';

/** One line of `portchurn doctor`. */
export interface CheckResult {
  readonly name: string;
  readonly feature: Feature;
  readonly ok: boolean;
  readonly detail: string;
  /** How to fix it, when not ok. */
  readonly fix: string | null;
}

/** The probes the checks use; replaced in tests. */
export interface Probes {
  readonly bind: (address: string) => Promise<string | null>;
  readonly openFileLimit: () => Promise<number | null>;
  readonly namespace: () => string | null;
  readonly which: (command: string) => string | null;
  readonly platform: NodeJS.Platform;
  /** Why the native engine cannot load, or null when it loads. */
  readonly native: () => string | null;
}

/** The real host. */
export const HOST_PROBES: Probes = {
  bind: tryBind,
  openFileLimit: readOpenFileLimit,
  namespace: () => {
    try {
      return namespacePrefix().join(' ');
    } catch {
      return null;
    }
  },
  which: (command) => {
    for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(`${dir}/${command}`)) return `${dir}/${command}`;
    return spawnSync(command, ['--version']).error ? null : command;
  },
  platform: process.platform,
  native: () => {
    const n = loadNative();
    return n.addon === null ? n.reason : null;
  },
};

/**
 * Runs every check. `connections` is the planned concurrency: with the built-in target in the
 * same process each connection holds two descriptors (client and server side).
 */
export async function runChecks(connections: number, probes: Probes = HOST_PROBES): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const nativeWhy = probes.native();
  results.push({
    name: 'native engine',
    feature: 'native',
    ok: nativeWhy === null,
    detail:
      nativeWhy === null
        ? 'built and loaded: --engine auto runs http:// and tcp:// churn on it'
        : `${nativeWhy}; the JavaScript engine runs instead`,
    fix: nativeWhy === null ? null : "npm install (needs python3, make, a C compiler and Node's headers; it prints why a build failed)",
  });
  const v4 = ['127.0.0.2', '127.1.2.3', '127.254.254.253'];
  const failed: string[] = [];
  for (const a of v4) if ((await probes.bind(a)) !== null) failed.push(a);
  results.push({
    name: 'loopback addresses',
    feature: 'core',
    ok: failed.length === 0,
    detail: failed.length === 0 ? `${v4.join(', ')} can be bound: all of 127/8 is usable as sources` : `cannot bind ${failed.join(', ')}`,
    fix:
      failed.length === 0
        ? null
        : probes.platform === 'darwin'
          ? `sudo ifconfig lo0 alias ${failed[0]} (once per address)`
          : `add the addresses to lo: ip addr add ${failed[0]}/8 dev lo`,
  });
  const v6 = (await probes.bind('::1')) === null;
  results.push({
    name: 'IPv6 loopback',
    feature: 'core',
    ok: v6,
    detail: v6 ? '::1 can be bound (IPv6 has that one address only)' : '::1 cannot be bound',
    fix: v6 ? null : 'enable IPv6 on lo (sysctl net.ipv6.conf.lo.disable_ipv6=0)',
  });
  const limit = await probes.openFileLimit();
  const needed = connections * 2 + 64;
  results.push({
    name: 'open files',
    feature: 'core',
    ok: limit === null || limit >= needed,
    detail:
      limit === null
        ? 'limit unknown'
        : `limit ${limit}, ${needed} needed for ${connections} connections (client and built-in target side, plus 64)`,
    fix: limit !== null && limit < needed ? `raise it for this shell: ulimit -n ${Math.max(needed, 65536)}` : null,
  });
  const ns = probes.namespace();
  results.push({
    name: 'network namespaces',
    feature: 'netns',
    ok: ns !== null,
    detail: ns ? `'${ns}' works: portchurn lab and --netns can run` : 'cannot make a network namespace',
    fix: ns
      ? null
      : 'run as root, or allow unprivileged user namespaces (kernel.unprivileged_userns_clone=1); needs unshare (util-linux) and ip (iproute2)',
  });
  const nginx = probes.which('nginx') ?? (probes === HOST_PROBES && existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null);
  results.push({
    name: 'nginx',
    feature: 'nginx',
    ok: nginx !== null,
    detail: nginx ? `${nginx} (for portchurn nginx and proxy)` : 'not found (portchurn nginx and proxy --kind nginx need it)',
    fix: nginx ? null : 'apt-get install nginx-light, or pass --nginx-bin',
  });
  const haproxy = probes.which('haproxy') ?? (probes === HOST_PROBES && existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : null);
  results.push({
    name: 'haproxy',
    feature: 'haproxy',
    ok: haproxy !== null,
    detail: haproxy ? `${haproxy} (for portchurn proxy --kind haproxy)` : 'not found (portchurn proxy --kind haproxy needs it)',
    fix: haproxy ? null : 'apt-get install haproxy, or pass --haproxy-bin',
  });
  // The NAT scene: nftables' nft applies the router's rules; conntrack-tools' conntrack is what the tests compare with.
  for (const [tool, pkg] of [
    ['nft', 'nftables'],
    ['conntrack', 'conntrack'],
  ] as const) {
    const found = probes.which(tool) ?? (probes === HOST_PROBES && existsSync(`/usr/sbin/${tool}`) ? `/usr/sbin/${tool}` : null);
    results.push({
      name: tool,
      feature: 'nat',
      ok: found !== null,
      detail: found ? `${found} (the NAT scene's router)` : `not found (the NAT scene needs it)`,
      fix: found ? null : `apt-get install ${pkg}`,
    });
  }
  const chromium = probes.which('chromium');
  results.push({
    name: 'chromium',
    feature: 'chromium',
    ok: chromium !== null,
    detail: chromium ? `${chromium} (HTML report checks and screenshots)` : 'not found (optional: HTML report screenshots)',
    fix: chromium ? null : 'apt-get install chromium',
  });
  return results;
}

/** Exit status: 0 when every core check and every check of a feature in `need` passed. */
export function doctorStatus(results: readonly CheckResult[], need: readonly Feature[]): number {
  return results.every((r) => r.ok || (r.feature !== 'core' && !need.includes(r.feature))) ? 0 : 1;
}
