import { coveringIpv6Prefix, needsLocalRoute } from './addresses.js';
import type { Plan } from './plan.js';

/**
 * The IPv6 prefix a plan's namespace makes local (`ip -6 route add local PREFIX dev lo`): the
 * narrowest one holding every IPv6 source and built-in target address that is not ::1, or null
 * when there is none. Only inside portchurn's own namespaces; never on the host.
 */
export function localIpv6Prefix(plan: Plan): string | null {
  const listen = plan.target.kind === 'builtin' ? plan.target.listen.map((l) => l.host) : [];
  const routed = [...plan.sources, ...listen].filter(needsLocalRoute);
  return routed.length === 0 ? null : coveringIpv6Prefix(routed);
}
