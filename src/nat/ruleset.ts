import type { NatAddressPlan, NatSceneSpec } from './scene-spec.js';

/** The nftables table the scene's rules live in (in the router's namespace only). */
export const NAT_TABLE = 'portchurn_nat';
/** The router's links: towards the pods, and towards the servers (where the source is rewritten). */
export const ROUTER_INSIDE = 'inside';
export const ROUTER_OUTSIDE = 'outside';
/** The chain of the table limit, when there is one. */
export const LIMIT_CHAIN = 'forward';

/**
 * The router's ruleset: one postrouting NAT rule rewriting the pods' source as it leaves towards
 * the servers. `snat to A-B:LO-HI` maps to the NAT addresses and ports; `masquerade to :LO-HI` to
 * the outside link's own address. nftables takes a port range after the address (or alone for
 * masquerade) and the flags `random` (a random start for the port search), `fully-random` (every
 * port drawn at random) and `persistent` (a client keeps its NAT address).
 */
export function renderNatRuleset(spec: NatSceneSpec, plan: NatAddressPlan): string {
  const ports = `${spec.natPorts.low}-${spec.natPorts.high}`;
  const first = plan.natAddresses[0]!;
  const last = plan.natAddresses.at(-1)!;
  const addresses = first === last ? first : `${first}-${last}`;
  const target = spec.kind === 'snat' ? `snat to ${addresses}:${ports}` : `masquerade to :${ports}`;
  const flags = spec.flags.length ? ` ${spec.flags.join(',')}` : '';
  // The table limit: new connections past N tracked ones (open or closing; nf_conncount drops
  // closed ones from its list) are dropped in forwarding, counted by the rule's own counter.
  const limit =
    spec.connLimit === undefined || spec.connLimit === null
      ? []
      : [
          `  chain ${LIMIT_CHAIN} {`,
          '    type filter hook forward priority filter; policy accept;',
          `    ip saddr 198.18.0.0/16 meta l4proto tcp ct state new ct count over ${spec.connLimit} counter drop`,
          '  }',
        ];
  return [
    `table ip ${NAT_TABLE} {`,
    ...limit,
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    // A port mapping needs a transport match before it (nft refuses it otherwise); the load is TCP.
    `    oifname "${ROUTER_OUTSIDE}" ip saddr 198.18.0.0/16 meta l4proto tcp ${target}${flags}`,
    '  }',
    '}',
    '',
  ].join('\n');
}
