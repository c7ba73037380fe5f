import type { NatAddressPlan, NatSceneSpec } from './scene-spec.js';

/** The nftables table the scene's rules live in (in the router's namespace only). */
export const NAT_TABLE = 'portchurn_nat';
/** The router's links: towards the pods, and towards the servers (where the source is rewritten). */
export const ROUTER_INSIDE = 'inside';
export const ROUTER_OUTSIDE = 'outside';
/** The chain of the table limit, when there is one. */
export const LIMIT_CHAIN = 'forward';

/** One NAT rule's sources and ports: every pod over the whole range, or (ports per pod) each pod over its own block. */
export interface NatBlock {
  readonly source: string;
  readonly low: number;
  readonly high: number;
}

/** The rules' blocks, in order. */
export function natBlocksOf(spec: NatSceneSpec, plan: NatAddressPlan): NatBlock[] {
  const { low, high } = spec.natPorts;
  const per = spec.portsPerPod ?? null;
  if (per === null) return [{ source: '198.18.0.0/16', low, high }];
  return plan.pods.map((source, i) => ({ source, low: low + i * per, high: low + (i + 1) * per - 1 }));
}

/**
 * The router's ruleset: one postrouting NAT rule rewriting the pods' source as it leaves towards
 * the servers. `snat to A-B:LO-HI` maps to the NAT addresses and ports; `masquerade to :LO-HI` to
 * the outside link's own address. nftables takes a port range after the address (or alone for
 * masquerade) and the flags `random` (a random start for the port search), `fully-random` (every
 * port drawn at random) and `persistent` (a client keeps its NAT address).
 */
export function renderNatRuleset(spec: NatSceneSpec, plan: NatAddressPlan): string {
  const first = plan.natAddresses[0]!;
  const last = plan.natAddresses.at(-1)!;
  const addresses = first === last ? first : `${first}-${last}`;
  const flags = spec.flags.length ? ` ${spec.flags.join(',')}` : '';
  const nat = (low: number, high: number): string =>
    `${spec.kind === 'snat' ? `snat to ${addresses}:${low}-${high}` : `masquerade to :${low}-${high}`}${flags}`;
  // A port mapping needs a transport match before it (nft refuses it otherwise); the load is TCP.
  const rules = natBlocksOf(spec, plan).map(
    (b) => `    oifname "${ROUTER_OUTSIDE}" ip saddr ${b.source} meta l4proto tcp ${nat(b.low, b.high)}`,
  );
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
    ...rules,
    '  }',
    '}',
    '',
  ].join('\n');
}
