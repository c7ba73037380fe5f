import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { NatSceneError } from '../errors.js';
import { nftNatRulesOf, type NftListing } from '../env/nft-nat-rules.js';
import { NAT_TABLE, natBlocksOf, renderNatRuleset, ROUTER_INSIDE, ROUTER_OUTSIDE } from './ruleset.js';
import { addressPlanOf, type NatAddressPlan, type NatSceneSpec } from './scene-spec.js';

const run = promisify(execFile);

/** A NAT scene that exists: three namespaces joined by two veth links, the router's rules applied and checked. */
export interface NatScene {
  readonly spec: NatSceneSpec;
  readonly plan: NatAddressPlan;
  /** Namespace names (`ip netns`): pods, router, servers. */
  readonly client: string;
  readonly router: string;
  readonly server: string;
  /** The ruleset as applied. */
  readonly ruleset: string;
  /** conntrack's TCP timeouts the scene set in the router's namespace, as read back (s, by name). */
  readonly conntrackTimeouts: Readonly<Record<string, number>>;
  /** Deletes the three namespaces, and with them every link, address, rule and conntrack entry in them. */
  remove(): Promise<void>;
}

/**
 * Namespaces this process made and has not removed yet: deleted when the process exits, however
 * it exits through Node (an error, an interrupted run's exit), so no scene outlives its run. Only
 * what this process made, by name.
 */
const live = new Set<string>();
let exitHookInstalled = false;

function removeAtExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const name of live) spawnSync('ip', ['netns', 'del', name]);
    live.clear();
  });
}

/** The Debian package of each tool the scene runs. */
const PACKAGES: Readonly<Record<string, string>> = { ip: 'iproute2', nft: 'nftables', sysctl: 'procps', conntrack: 'conntrack' };

/** Runs a tool, throwing NatSceneError with its own message when it fails or is missing. */
async function tool(cmd: string, args: readonly string[], input?: string): Promise<string> {
  try {
    if (input === undefined) return (await run(cmd, [...args], { encoding: 'utf8' })).stdout;
    return await new Promise<string>((resolve, reject) => {
      const child = execFile(cmd, [...args], { encoding: 'utf8' }, (error, stdout, stderr) =>
        error ? reject(Object.assign(error, { stderr })) : resolve(stdout),
      );
      child.stdin?.end(input);
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    // Missing itself, or (run through `ip netns exec`) the tool it was to run.
    const missing = e.code === 'ENOENT' ? cmd : /exec of "([^"]+)" failed: No such file or directory/.exec(e.stderr ?? '')?.[1];
    if (missing) throw new NatSceneError(`${missing} is not installed (apt-get install ${PACKAGES[missing] ?? missing})`);
    const said = (e.stderr ?? '').trim().replace(/\s*\n\s*/g, ' | ');
    throw new NatSceneError(`${cmd} ${args.join(' ')}: ${said || e.message}`);
  }
}

/** `ip -batch -` in one namespace: many addresses at once. */
function batch(ns: string, lines: readonly string[]): Promise<string> {
  return tool('ip', ['-n', ns, '-batch', '-'], `${lines.join('\n')}\n`);
}

/** Runs `cmd` inside namespace `ns`. */
export function inNamespace(ns: string, cmd: string, args: readonly string[], input?: string): Promise<string> {
  return tool('ip', ['netns', 'exec', ns, cmd, ...args], input);
}

let sequence = 0;

/**
 * Makes the scene: namespaces `pcnat-PID-N-{c,r,s}`, the pods' addresses on the client's link with
 * the router as their gateway, the NAT addresses on the router's outside link, the servers beside
 * them, forwarding on in the router alone, and the NAT rule applied with the real `nft` and read
 * back before anything is sent. A spec that cannot work fails before anything is made; a failure
 * part way removes what was made.
 */
export async function makeNatScene(spec: NatSceneSpec): Promise<NatScene> {
  const plan = addressPlanOf(spec);
  removeAtExit();
  const base = `pcnat-${process.pid}-${sequence++}`;
  const [client, router, server] = [`${base}-c`, `${base}-r`, `${base}-s`];
  const made: string[] = [];
  const remove = async (): Promise<void> => {
    for (const name of made.splice(0).reverse()) {
      await tool('ip', ['netns', 'del', name]).catch(() => {});
      live.delete(name);
    }
  };
  try {
    for (const name of [client, router, server]) {
      await tool('ip', ['netns', 'add', name]);
      made.push(name);
      live.add(name);
      await tool('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    }
    await tool('ip', ['-n', router, 'link', 'add', ROUTER_INSIDE, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client]);
    await tool('ip', ['-n', router, 'link', 'add', ROUTER_OUTSIDE, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', server]);
    await batch(client, [
      ...plan.pods.map((a) => `addr add ${a}/${plan.insidePrefix} dev eth0`),
      'link set eth0 up',
      `route add default via ${plan.gateway} dev eth0`,
    ]);
    await batch(router, [
      `addr add ${plan.gateway}/${plan.insidePrefix} dev ${ROUTER_INSIDE}`,
      ...plan.natAddresses.map((a) => `addr add ${a}/${plan.outsidePrefix} dev ${ROUTER_OUTSIDE}`),
      `link set ${ROUTER_INSIDE} up`,
      `link set ${ROUTER_OUTSIDE} up`,
    ]);
    await batch(server, [...plan.servers.map((a) => `addr add ${a}/${plan.outsidePrefix} dev eth0`), 'link set eth0 up']);
    // Forwarding in the router's namespace only: the host's own setting is never touched.
    await inNamespace(router, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    const ruleset = renderNatRuleset(spec, plan);
    await inNamespace(router, 'nft', ['-f', '-'], ruleset);
    const listing = JSON.parse(await inNamespace(router, 'nft', ['-j', 'list', 'table', 'ip', NAT_TABLE])) as NftListing;
    checkApplied(listing, spec, plan);
    const conntrackTimeouts = await setTimeouts(router, spec.conntrackTimeouts ?? {});
    const limit = limitOf(listing);
    if ((spec.connLimit ?? null) !== (limit?.count ?? null))
      throw new NatSceneError(
        `the router's table limit as nft lists it: ${limit ? `ct count over ${limit.count}` : 'none'}, not ${spec.connLimit ?? 'none'}`,
      );
    return { spec, plan, client, router, server, ruleset, conntrackTimeouts, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** The table limit rule's `ct count over N` and its counter's packets, from an nft listing; null where there is none. */
export function limitOf(listing: NftListing): { count: number; droppedPackets: number } | null {
  for (const item of listing.nftables ?? []) {
    const expr = (item['rule'] as { expr?: readonly Record<string, unknown>[] } | undefined)?.expr ?? [];
    const ct = expr.find((e) => e['ct count'] !== undefined)?.['ct count'] as { val?: number } | undefined;
    if (ct?.val === undefined) continue;
    const counter = expr.find((e) => e['counter'] !== undefined)?.['counter'] as { packets?: number } | undefined;
    return { count: ct.val, droppedPackets: counter?.packets ?? 0 };
  }
  return null;
}

/** SYNs the table limit dropped so far (its rule's counter), or null without a limit. */
export async function limitDrops(scene: NatScene): Promise<number | null> {
  const listing = JSON.parse(await inNamespace(scene.router, 'nft', ['-j', 'list', 'table', 'ip', NAT_TABLE])) as NftListing;
  return limitOf(listing)?.droppedPackets ?? null;
}

/**
 * Writes conntrack's TCP timeouts in the router's namespace (each namespace has its own,
 * checked on Linux 6.18; the host's own are untouched) and reads them back; a value the kernel did not take fails the scene.
 */
async function setTimeouts(router: string, timeouts: Readonly<Record<string, number>>): Promise<Record<string, number>> {
  const names = Object.keys(timeouts);
  if (names.length === 0) return {};
  const key = (n: string): string => `net.netfilter.nf_conntrack_tcp_timeout_${n}`;
  await inNamespace(router, 'sysctl', ['-q', '-w', ...names.map((n) => `${key(n)}=${timeouts[n]}`)]);
  const read = (await inNamespace(router, 'sysctl', ['-n', ...names.map(key)])).trim().split('\n').map(Number);
  const got = Object.fromEntries(names.map((n, i) => [n, read[i]!]));
  const wrong = names.filter((n) => got[n] !== timeouts[n]);
  if (wrong.length)
    throw new NatSceneError(
      `the router's conntrack timeouts as read back: ${wrong.map((n) => `${n} ${got[n]}, not ${timeouts[n]}`).join('; ')}`,
    );
  return got;
}

function checkApplied(listing: NftListing, spec: NatSceneSpec, plan: NatAddressPlan): void {
  const all = nftNatRulesOf(listing);
  const blocks = natBlocksOf(spec, plan);
  if (all.length === 0) throw new NatSceneError(`nft listed no ${spec.kind} rule in table ip ${NAT_TABLE} after applying it`);
  const problems: string[] = [];
  if (all.length !== blocks.length) problems.push(`${all.length} NAT rules instead of ${blocks.length}`);
  blocks.forEach((want, i) => {
    const applied = all[i];
    if (!applied) return;
    if (applied.kind !== spec.kind) problems.push(`${applied.kind} instead of ${spec.kind}`);
    if (applied.source !== want.source) problems.push(`source ${applied.source ?? 'none'} instead of ${want.source}`);
    if (applied.ports?.[0] !== want.low || applied.ports[1] !== want.high)
      problems.push(`ports ${applied.ports?.join('-') ?? 'none'} instead of ${want.low}-${want.high}`);
    if (spec.kind === 'snat' && (applied.addresses?.[0] !== plan.natAddresses[0] || applied.addresses?.[1] !== plan.natAddresses.at(-1)))
      problems.push(`addresses ${applied.addresses?.join('-') ?? 'none'} instead of ${plan.natAddresses[0]}-${plan.natAddresses.at(-1)}`);
    for (const f of spec.flags) if (!applied.flags.includes(f)) problems.push(`flag ${f} missing`);
  });
  if (problems.length) throw new NatSceneError(`the router's NAT rules as nft lists them: ${[...new Set(problems)].join('; ')}`);
}
