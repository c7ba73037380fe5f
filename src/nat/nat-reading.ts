import { decodeHistogram } from '../result/histogram.js';
import type { NatLimitedBy, NatStageResult } from '../result/nat-result.js';
import type { RunResult } from '../result/result.js';
import { synResendsAtSec } from '../model/syn-backoff.js';

interface RecordedValues {
  reset(): void;
  hasNext(): boolean;
  next(): { valueIteratedTo: number; countAtValueIteratedTo: number };
}

/** Connects that waited for a SYN retransmit: 1 s or more, 3 s or more, from the stage's connect histogram. */
export function connectRetransmitsOf(client: RunResult): NatStageResult['connectRetransmits'] {
  const h = client.latency.connectUs;
  if (h.summary.count === 0) return { atLeast1s: 0, atLeast3s: 0, connects: 0 };
  const d = decodeHistogram(h.hdr);
  let atLeast1s = 0;
  let atLeast3s = 0;
  // hdr-histogram-js walks its recorded values with an iterator its typings leave out.
  const it = (d as unknown as { recordedValuesIterator: RecordedValues }).recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    if (v.valueIteratedTo >= 900_000) atLeast1s += v.countAtValueIteratedTo;
    if (v.valueIteratedTo >= 2_900_000) atLeast3s += v.countAtValueIteratedTo;
  }
  return { atLeast1s, atLeast3s, connects: d.totalCount };
}

/**
 * nf_nat_l4proto_unique_tuple() tries at most NF_NAT_MAX_ATTEMPTS (128) ports; in the last
 * NF_NAT_HARDER_THRESH (a quarter) it may evict a colliding mapping in TIME_WAIT
 * (nf_nat_used_tuple_harder), and those attempts do not count in conntrack's `found`.
 */
const NF_NAT_HARDER_THRESH = 32;

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** What a stage's load was: a closed loop's connections, or an open loop's rate. */
export type NatStageLoad = { readonly connections: number } | { readonly ratePerSec: number };

/**
 * Connections open at once: a closed loop's own count; an open loop's rate times the time a
 * connection lasted (its mean, measured: Little's law).
 */
function openAtOnce(stage: Omit<NatStageResult, 'reading' | 'limitedBy'>, load: NatStageLoad): { open: number; how: string } {
  if ('connections' in load) return { open: load.connections, how: `${fmt(load.connections)} connections open at once` };
  const meanUs = stage.client.latency.totalUs.summary.meanUs;
  const open = (load.ratePerSec * meanUs) / 1e6;
  return { open, how: `${fmt(load.ratePerSec)}/s for ${fmt(meanUs / 1000)} ms each (the mean measured): about ${fmt(open)} open at once` };
}

/**
 * The pair (NAT address, destination) with the most connections open at once: the pods share the
 * connections evenly, each pod's over the destinations evenly, and the pods on one NAT address
 * towards one destination share its ports.
 */
function busiestOf(model: NatStageResult['model'], open: number) {
  const destinations = model.destinations;
  let best = { address: '', destination: '', pods: 0, of: 0, open: 0 };
  for (const d of destinations) {
    const pods = Object.values(d.podsPerAddress).reduce((a, b) => a + b, 0);
    for (const [address, n] of Object.entries(d.podsPerAddress)) {
      const here = pods > 0 ? (open * n) / pods / destinations.length / (model.destinationPorts ?? 1) : 0;
      if (here > best.open) best = { address, destination: d.destination, pods: n, of: pods, open: here };
    }
  }
  return best;
}

const TIMES = ['', 'one', 'two', 'three', 'four', 'five', 'six'];

/** `; per connection (TCP_INFO): 6 with one SYN retransmit, 8 with two, ...`, or '' where none retransmitted or the engine cannot see it. */
function byRetransmits(counts: readonly number[] | null): string {
  if (counts === null || counts.slice(1).every((n) => n === 0)) return '';
  const parts = counts
    .map((n, k) => [n, k] as const)
    .filter(([n, k]) => k > 0 && n > 0)
    .map(([n, k]) => `${fmt(n)} with ${k === counts.length - 1 && k >= 7 ? `${k} or more` : (TIMES[k] ?? String(k))}`);
  return `; per connection (TCP_INFO): ${parts.join(', ')} SYN retransmit${parts.length === 1 && counts[1] === counts.slice(1).reduce((a, b) => a + b, 0) ? '' : 's'}`;
}

/**
 * A closed loop's slot-seconds spent waiting for SYN resends, from the per-connection counts: a
 * connect resent k times waited until its k-th resend (or its timeout); null without the counts or
 * in an open loop.
 */
function waitingShare(stage: Omit<NatStageResult, 'reading' | 'limitedBy'>, load: NatStageLoad, resends: readonly number[]): number | null {
  const counts = stage.client.synRetransmits ?? null;
  if (counts === null || !('connections' in load)) return null;
  const timeoutSec = stage.client.plan.timeoutMs / 1000;
  const waited = counts.reduce((a, n, k) => a + (k === 0 ? 0 : n * Math.min(resends[k - 1] ?? timeoutSec, timeoutSec)), 0);
  const slots = (load.connections * stage.client.totals.durationMs) / 1000;
  return slots > 0 ? Math.min(1, waited / slots) : null;
}

/** Past this share of slot time waiting for resends, a stage's ok/s is what the rest completed between the waves. */
const MOSTLY_WAITING = 0.5;

/** The share of the host's CPU left idle over a stage, or null where it was not read. */
function idleShare(stage: Omit<NatStageResult, 'reading' | 'limitedBy'>): number | null {
  const c = stage.hostCpu;
  return c && c.wallMs > 0 && c.cores > 0 ? c.idleMs / (c.wallMs * c.cores) : null;
}

/** Below this share of idle CPU the host, not the NAT, set the stage's pace. */
const SATURATED_IDLE = 0.1;

/**
 * A stage's reading (the model's formula, what held the load, how the client saw it: SYN
 * retransmits, not an errno) and what limited it, by the same discipline as the other commands:
 * the table limit, the ports (per pod, or on the NAT address the hash loaded most), mappings of
 * connections still closing, the host's CPU (softirq is where the router works), or none of them.
 */
export function natReadingOf(
  stage: Omit<NatStageResult, 'reading' | 'limitedBy'>,
  load: NatStageLoad,
): { reading: string; limitedBy: NatLimitedBy } {
  const held = stage.conntrack.heldAtEnd.reduce((n, m) => n + m.total, 0);
  const r = stage.connectRetransmits;
  const share = r.connects > 0 ? Math.round((100 * r.atLeast1s) / r.connects) : 0;
  const synRetrans = stage.client.kernel?.tcpExt.TCPSynRetrans;
  const d = stage.conntrack.delta;
  const ok = stage.client.totals.ok;
  const model = stage.model;
  const { open, how } = openAtOnce(stage, load);
  const perPod = model.portsPerPod ?? null;
  const pods = model.destinations[0] ? Object.values(model.destinations[0].podsPerAddress).reduce((a, b) => a + b, 0) : 1;
  const busiest = busiestOf(model, open);
  // Ports apart per pod: each pod's connections to a destination against its own block.
  const podOpen = open / Math.max(1, pods) / Math.max(1, model.destinations.length) / (model.destinationPorts ?? 1);
  const full = perPod === null ? busiest.open > model.portsPerAddress : podOpen > perPod;
  const uneven = perPod === null && full && open <= model.mappings;
  // The table limit held the stage where the model says it binds before the ports, or where its
  // rule dropped more SYNs than the NAT refused (nf_conncount still counts closing connections, so
  // it can bind below the ports although set above them).
  const limited =
    model.connectionLimit !== null &&
    ((open > model.connectionLimit && model.connectionLimit < model.mappings) ||
      (stage.limitDrops ?? 0) > stage.conntrack.delta.insertFailed);
  const perConnection = byRetransmits(stage.client.synRetransmits ?? null);
  const resendsAt = synResendsAtSec(stage.model.kernel ?? '');
  const resends = resendsAt.slice(0, 6);
  const backoff = resends.length ? `; the pods resend a SYN at ${resends.join(', ')} s` : '';
  const waiting = waitingShare(stage, load, resendsAt);
  const unstable =
    waiting !== null && waiting > MOSTLY_WAITING
      ? `; ${Math.round(100 * waiting)} % of the connections' time went to waiting for resends, so the ok/s is what the rest completed between the waves of resends and swings from run to run: compare such stages by what limited them and by the refusals`
      : '';
  const retried = `${share} % of connects took a retransmit (1 s or more${r.atLeast3s > 0 ? `, ${fmt(r.atLeast3s)} 3 s or more` : ''}${synRetrans !== undefined ? `; the pods' kernel retransmitted ${fmt(synRetrans)} SYNs` : ''}${perConnection}${backoff})`;
  const kept =
    stage.conntrack.portKeptAtEnd !== undefined && held > 0 && model.portKeptShare > 0
      ? `; ${fmt(stage.conntrack.portKeptAtEnd)} of the ${fmt(held)} mappings held kept the pod's own port`
      : '';
  const idle = idleShare(stage);
  const cpu =
    idle !== null && idle < SATURATED_IDLE
      ? `; the host's CPU was saturated (${fmt(100 * idle)} % idle; softirq, where the router forwards and tracks, ${fmt((1000 * stage.hostCpu!.softirqMs) / stage.hostCpu!.wallMs)} ms a second)`
      : '';
  const closing = !full && d.insertFailed > 0.01 * Math.max(1, stage.client.totals.attempts);
  const limitedBy: NatLimitedBy = limited
    ? 'conn-limit'
    : full
      ? perPod !== null
        ? 'pod-ports'
        : uneven
          ? 'nat-address-hash'
          : 'nat-ports'
      : closing
        ? 'closing-mappings'
        : cpu
          ? 'host-cpu'
          : 'none';
  if (limited)
    return {
      limitedBy,
      reading: `NAT: ${model.formula}; the table limit (ct count over ${fmt(model.connectionLimit!)}) let that many connections be tracked at once and dropped ${fmt(stage.limitDrops ?? 0)} SYNs past it, before any mapping was sought (${fmt(d.insertFailed)} insert_failed); ${fmt(held)} held when the load ended; ${retried}${unstable}`,
    };
  const against =
    perPod !== null
      ? `${how}: about ${fmt(podOpen)} a pod${model.destinations.length > 1 ? ' and destination' : ''} against its own ${fmt(perPod)} ports`
      : uneven
        ? `the hash put ${busiest.pods} of ${busiest.of} pods on ${busiest.address} towards ${busiest.destination}: about ${fmt(busiest.open)} connections open at once against its ${fmt(model.portsPerAddress)} ports, although all the NAT addresses hold ${fmt(model.mappings)}`
        : `${how} against ${fmt(model.mappings)} mappings`;
  const what = model.timeWaitTakenBack
    ? full
      ? `${against}: the rest of the SYNs found none (${fmt(d.insertFailed)} insert_failed, ${fmt(d.drop)} dropped at the router) and waited for a retransmit`
      : `${how}, within the ${fmt(model.mappings)} mappings: closed mappings were taken back by new SYNs${d.found > 0 ? `, the router's port search meeting ${fmt(d.found)} taken tuples before its last ${NF_NAT_HARDER_THRESH} attempts (conntrack found: ${fmt(ok > 0 ? d.found / ok : 0)} a connection)` : ''}${d.insertFailed > 0 ? `; ${fmt(d.insertFailed)} SYNs still found none (insert_failed: mappings of closing connections, not yet TIME_WAIT, cannot be taken)` : ''}`
    : `${fmt(d.insertFailed)} SYNs found no mapping (insert_failed), ${fmt(d.drop)} dropped`;
  return {
    limitedBy,
    reading: `NAT: ${model.formula}; ${fmt(held)} held when the load ended${kept}; ${what}; ${retried}${unstable}${cpu}`,
  };
}
