import { PlanError } from '../errors.js';
import { canonicalAddress, familyOf, isLoopback, needsLocalRoute } from './addresses.js';
import type { ListenAddress } from './plan.js';

/**
 * Parses `127.0.0.1:0,[::1]:8080` into listen addresses (port 0 = any free port): loopback, or
 * with `inNamespace` also IPv6 addresses that portchurn makes local inside its own namespace, or
 * with `anyAddress` (`serve --allow-remote`) any address this host has.
 */
export function parseListen(spec: string, option = '--listen', inNamespace = false, anyAddress = false): ListenAddress[] {
  return spec.split(',').map((raw) => {
    const item = raw.trim();
    const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(item);
    const host = match ? (match[1] ?? match[2] ?? '') : '';
    const port = match ? Number(match[3]) : NaN;
    if (!match || familyOf(host) === null || port > 65535) {
      throw new PlanError(option, `${option} '${item}' must be ADDRESS:PORT (127.0.0.1:0, [::1]:8080)`);
    }
    if (!anyAddress && !isLoopback(host) && !(inNamespace && needsLocalRoute(host))) {
      const why = needsLocalRoute(host) ? ' (an IPv6 prefix is made local only inside a namespace portchurn makes: drop --no-netns)' : '';
      throw new PlanError(option, `${option} ${host} is not a loopback address${why}`);
    }
    return { host: canonicalAddress(host), port };
  });
}
