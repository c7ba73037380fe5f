import type { WatchNatRule } from '../result/watch-sample.js';

/** An nftables listing as `nft -j list ...` prints it (libnftables' JSON schema). */
export interface NftListing {
  readonly nftables?: readonly Record<string, unknown>[];
}

/** A NAT rule as nft lists it back: its statement, and the source address or prefix it matches (`ip saddr`), if any. */
export interface NftNatRule extends WatchNatRule {
  readonly source: string | null;
}

type Expr = Readonly<Record<string, unknown>>;

/** `X` or `{ range: [X, Y] }` as a pair; absent as null. */
function pairOf(v: unknown): [unknown, unknown] | null {
  if (v === undefined || v === null) return null;
  return (v as { range?: [unknown, unknown] }).range ?? [v, v];
}

/** The source a rule matches (`ip saddr X` or `ip saddr X/N`), or null. */
function sourceOf(exprs: readonly Expr[]): string | null {
  for (const e of exprs) {
    const m = e['match'] as { left?: { payload?: { field?: string } }; right?: unknown } | undefined;
    if (m?.left?.payload?.field !== 'saddr') continue;
    const r = m.right as string | { prefix?: { addr: string; len: number } };
    return typeof r === 'string' ? r : r.prefix ? `${r.prefix.addr}/${r.prefix.len}` : null;
  }
  return null;
}

/**
 * Every snat and masquerade statement of a listing, in order: its kind, NAT addresses (first and
 * last; null for masquerade), port range (null where the rule gives none: the kernel's
 * 1024-65535 then), flags, and the source the rule matches. Read by the NAT scene to check what it
 * applied and by `watch` to find a namespace's NAT rules.
 */
export function nftNatRulesOf(listing: NftListing): NftNatRule[] {
  const out: NftNatRule[] = [];
  for (const item of listing.nftables ?? []) {
    const exprs = (item['rule'] as { expr?: readonly Expr[] } | undefined)?.expr ?? [];
    for (const expr of exprs) {
      const kind = 'snat' in expr ? 'snat' : 'masquerade' in expr ? 'masquerade' : null;
      if (kind === null) continue;
      // A bare `masquerade` (Docker's, kube-proxy's) lists as `"masquerade": null`.
      const stmt = (expr[kind] ?? {}) as Expr;
      const addr = pairOf(stmt['addr']);
      const port = pairOf(stmt['port']);
      const flags = stmt['flags'];
      out.push({
        kind,
        addresses: addr ? [String(addr[0]), String(addr[1])] : null,
        ports: port ? [Number(port[0]), Number(port[1])] : null,
        flags: flags === undefined ? [] : Array.isArray(flags) ? flags.map(String) : [String(flags)],
        source: sourceOf(exprs),
      });
    }
  }
  return out;
}
