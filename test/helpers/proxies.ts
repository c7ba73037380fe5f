import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { ProxyKind } from '../../src/plan/proxy-variants.js';
import { findProxy } from '../../src/proxy/proxy-process.js';

/** True when the proxy's binary is found as the scenario finds it. */
export function proxyInstalled(kind: ProxyKind): boolean {
  try {
    findProxy(kind);
    return true;
  } catch {
    return false;
  }
}

/** Processes of `kind` running from a portchurn private prefix (only the scenario makes such prefixes). */
export function ourProxies(kind: ProxyKind): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
        return cmd.includes(kind) && cmd.includes(`portchurn-${kind}-`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The private prefixes of `kind` still in the temporary directory. */
export function prefixesLeft(kind: ProxyKind): string[] {
  return readdirSync(tmpdir()).filter((d) => d.startsWith(`portchurn-${kind}-`));
}
