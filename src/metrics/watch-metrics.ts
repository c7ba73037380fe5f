import { Counter, Gauge } from 'prom-client';
import type { NetnsLabel, WatchGroup, WatchNodeSample, WatchSample } from '../result/watch-sample.js';
import { registersOf, type MetricsRegistries } from './registries.js';

const GROUP = ['netns', 'source', 'destination', 'destination_port'] as const;
type GroupLabels = Record<(typeof GROUP)[number], string>;
/** The remainder of a namespace's groups past --top: one series, so a busy node stays a bounded set. */
const REST = 'rest';

/**
 * `portchurn watch` as Prometheus metrics (base units, `_total` for counters, HELP on each): per
 * (namespace, source, destination, port) group the ports held and usable, sockets by state, new
 * connections as a counter, seconds to exhaustion (absent when not at this rate) and the steady
 * state; per namespace its settings and totals; the exporter's own reads. Each update replaces
 * the gauges' series, so a group that left the top N leaves the exposition.
 */
export class WatchMetrics {
  private readonly held: Gauge<string>;
  private readonly usable: Gauge<string>;
  private readonly share: Gauge<string>;
  private readonly sockets: Gauge<string>;
  private readonly newConnections: Counter<string>;
  private readonly exhaustion: Gauge<string>;
  private readonly steady: Gauge<string>;
  private readonly nsInfo: Gauge<string>;
  private readonly nsUp: Gauge<string>;
  private readonly nsUsable: Gauge<string>;
  private readonly nsReuse: Gauge<string>;
  private readonly nsReuseDelay: Gauge<string>;
  private readonly nsTimestamps: Gauge<string>;
  private readonly nsSockets: Gauge<string>;
  private readonly nsGroups: Gauge<string>;
  private readonly readSeconds: Gauge<string>;
  private readonly readSockets: Gauge<string>;
  private readonly readTime: Gauge<string>;
  private readonly readSequence: Gauge<string>;
  private readonly reads: Counter<string>;
  private readonly readFailures: Counter<string>;
  private readonly natHeld: Gauge<string>;
  private readonly natPorts: Gauge<string>;
  private readonly natShare: Gauge<string>;
  private readonly natExhaustion: Gauge<string>;
  private readonly natInsertFailed: Gauge<string>;
  private readonly natDrop: Gauge<string>;
  private readonly natEarlyDrop: Gauge<string>;
  /** Each exposed group counter's value. A group that leaves the top N leaves with its counter, which starts again from 0 should it come back (rate() reads that as a counter reset). */
  private counted = new Map<string, number>();

  constructor(registries: MetricsRegistries) {
    const registers = registersOf(registries);
    const g = (name: string, help: string, labelNames: readonly string[]): Gauge<string> =>
      new Gauge({ name, help, labelNames, registers });
    this.held = g(
      'portchurn_watch_ports_held',
      "Ports of the group's 4-tuple space taken now (TIME_WAIT that connect() may take over already left out)",
      GROUP,
    );
    this.usable = g(
      'portchurn_watch_usable_ports',
      'Ports connect() can use for the group: the range less reserved ports and ports held by bind()',
      GROUP,
    );
    this.share = g('portchurn_watch_held_ratio', 'Ports held / usable ports', GROUP);
    this.sockets = g('portchurn_watch_sockets', 'Client sockets of the group by TCP state (established, time_wait, other)', [
      ...GROUP,
      'state',
    ]);
    this.newConnections = new Counter({
      name: 'portchurn_watch_new_connections_total',
      help: 'Connections of the group first seen by a read (rate() gives new connections per second)',
      labelNames: GROUP,
      registers,
    });
    this.exhaustion = g(
      'portchurn_watch_exhaustion_seconds',
      'Seconds until the group holds every usable port at its current rate (0: exhausted; absent: not at this rate)',
      GROUP,
    );
    this.steady = g('portchurn_watch_steady_held_ports', 'Ports the group holds once its current rate has run for a port hold time', GROUP);
    const ns = ['netns'];
    this.nsInfo = g(
      'portchurn_watch_namespace_info',
      'A network namespace read, and a process in it (the lowest pid), its command, container and pod',
      ['netns', 'pid', 'command', 'container', 'pod'],
    );
    this.nsUp = g('portchurn_watch_namespace_up', '1 when the last read of the namespace worked, 0 when it could not be read', ns);
    this.nsUsable = g('portchurn_watch_namespace_usable_ports', 'Ports connect() can use in the namespace', ns);
    this.nsReuse = g('portchurn_watch_namespace_tcp_tw_reuse', 'net.ipv4.tcp_tw_reuse in the namespace (0, 1, or 2: loopback only)', ns);
    this.nsReuseDelay = g('portchurn_watch_namespace_tcp_tw_reuse_delay_seconds', 'net.ipv4.tcp_tw_reuse_delay in the namespace', ns);
    this.nsTimestamps = g('portchurn_watch_namespace_tcp_timestamps', 'net.ipv4.tcp_timestamps in the namespace', ns);
    this.nsSockets = g('portchurn_watch_namespace_sockets', 'Every TCP socket the read found in the namespace', ns);
    this.nsGroups = g('portchurn_watch_namespace_groups', 'Client groups (source, destination, port) in the namespace', ns);
    this.readSeconds = g('portchurn_watch_read_duration_seconds', 'How long the last read of every namespace took', []);
    this.readSockets = g('portchurn_watch_read_sockets', 'Sockets the last read went through, in every namespace', []);
    this.readTime = g('portchurn_watch_read_timestamp_seconds', 'When the last read began (Unix time)', []);
    this.readSequence = g(
      'portchurn_watch_read_sequence',
      'The number of the last read (its JSON is at /reads?sequence=N while it is recent)',
      [],
    );
    const NAT = ['netns', 'nat_address', 'destination', 'destination_port'];
    this.natHeld = g(
      'portchurn_watch_nat_mappings_held',
      'NAT mappings conntrack holds towards the destination from the NAT address (open, closing and TIME_WAIT; --top per namespace)',
      NAT,
    );
    this.natPorts = g(
      'portchurn_watch_nat_range_ports',
      'Ports of the NAT rule the NAT address belongs to (the mappings it can hold per destination)',
      NAT,
    );
    this.natShare = g('portchurn_watch_nat_held_ratio', "NAT mappings held / the rule's ports", NAT);
    this.natExhaustion = g(
      'portchurn_watch_nat_exhaustion_seconds',
      "Seconds until the mappings a new SYN cannot take back (open and closing; TIME_WAIT too before Linux 6.5) fill the rule's ports at their trend (0: full now; absent: not growing)",
      NAT,
    );
    // conntrack keeps these as counters since the namespace's conntrack began; exposed as gauges of that count.
    this.natInsertFailed = g(
      'portchurn_watch_conntrack_insert_failed',
      "conntrack's insert_failed in the namespace: new connections that found no mapping (their SYN dropped); rate() of it",
      ns,
    );
    this.natDrop = g('portchurn_watch_conntrack_drop', "conntrack's drop in the namespace", ns);
    this.natEarlyDrop = g('portchurn_watch_conntrack_early_drop', "conntrack's early_drop in the namespace (the table was full)", ns);
    this.reads = new Counter({ name: 'portchurn_watch_reads_total', help: 'Reads of the namespaces', registers });
    this.readFailures = new Counter({
      name: 'portchurn_watch_read_failures_total',
      help: 'Namespaces that could not be read, by namespace',
      labelNames: ns,
      registers,
    });
  }

  /** Replaces the series with one read of the node. */
  update(node: WatchNodeSample, read: { readonly sequence: number; readonly startedAt: Date; readonly durationMs: number }): void {
    for (const gauge of [this.held, this.usable, this.share, this.sockets, this.exhaustion, this.steady, this.nsInfo, this.nsUp])
      gauge.reset();
    for (const gauge of [this.nsUsable, this.nsReuse, this.nsReuseDelay, this.nsTimestamps, this.nsSockets, this.nsGroups]) gauge.reset();
    for (const gauge of [
      this.natHeld,
      this.natPorts,
      this.natShare,
      this.natExhaustion,
      this.natInsertFailed,
      this.natDrop,
      this.natEarlyDrop,
    ])
      gauge.reset();
    const present = new Set<string>();
    for (const sample of node.samples) this.namespace(sample, present);
    for (const { netns } of node.unreadable) {
      this.info(netns);
      this.nsUp.set({ netns: String(netns.inode) }, 0);
      this.readFailures.inc({ netns: String(netns.inode) });
    }
    // Counters of groups no longer shown leave too; they start again should the group come back.
    for (const key of [...this.counted.keys()]) {
      if (present.has(key)) continue;
      this.newConnections.remove(JSON.parse(key) as GroupLabels);
      this.counted.delete(key);
    }
    this.reads.inc();
    this.readSeconds.set(read.durationMs / 1000);
    this.readSockets.set(node.samples.reduce((n, s) => n + s.totals.sockets, 0));
    this.readTime.set(read.startedAt.getTime() / 1000);
    this.readSequence.set(read.sequence);
  }

  private info(netns: NetnsLabel): void {
    this.nsInfo.set(
      {
        netns: String(netns.inode),
        pid: netns.pid === null ? '' : String(netns.pid),
        command: netns.command ?? '',
        container: netns.container ?? '',
        pod: netns.pod ?? '',
      },
      1,
    );
  }

  private namespace(sample: WatchSample, present: Set<string>): void {
    const netns = String(sample.netns?.inode ?? 'own');
    if (sample.netns) this.info(sample.netns);
    this.nsUp.set({ netns }, 1);
    this.nsUsable.set({ netns }, sample.ports.usablePorts);
    if (sample.timeWait.twReuse !== null) this.nsReuse.set({ netns }, sample.timeWait.twReuse);
    if (sample.timeWait.twReuseDelayMs !== null) this.nsReuseDelay.set({ netns }, sample.timeWait.twReuseDelayMs / 1000);
    if (sample.timeWait.timestamps !== null) this.nsTimestamps.set({ netns }, sample.timeWait.timestamps);
    this.nsSockets.set({ netns }, sample.totals.sockets);
    this.nsGroups.set({ netns }, sample.totals.groups);
    for (const group of sample.groups) this.group(netns, group, present);
    if (sample.nat) {
      this.natInsertFailed.set({ netns }, sample.nat.stats.insertFailed);
      this.natDrop.set({ netns }, sample.nat.stats.drop);
      this.natEarlyDrop.set({ netns }, sample.nat.stats.earlyDrop);
      for (const m of sample.nat.mappings) {
        const labels = { netns, nat_address: m.natAddress, destination: m.destination, destination_port: String(m.destinationPort) };
        this.natHeld.set(labels, m.held);
        if (m.rangePorts !== null) this.natPorts.set(labels, m.rangePorts);
        if (m.heldShare !== null) this.natShare.set(labels, m.heldShare);
        if (m.exhaustionInSec !== undefined && m.exhaustionInSec !== null) this.natExhaustion.set(labels, m.exhaustionInSec);
      }
    }
    const rest = sample.rest;
    if (rest && rest.groups > 0) {
      const labels: GroupLabels = { netns, source: REST, destination: REST, destination_port: REST };
      this.held.set(labels, rest.held);
      this.sockets.set({ ...labels, state: 'established' }, rest.established);
      this.sockets.set({ ...labels, state: 'time_wait' }, rest.timeWait);
      this.sockets.set({ ...labels, state: 'other' }, rest.other);
      this.count(labels, rest.newConnections, present);
    }
  }

  private group(netns: string, group: WatchGroup, present: Set<string>): void {
    const labels: GroupLabels = {
      netns,
      source: group.source,
      destination: group.destination,
      destination_port: String(group.destinationPort),
    };
    this.held.set(labels, group.held);
    this.usable.set(labels, group.usablePorts);
    this.share.set(labels, group.heldShare);
    this.sockets.set({ ...labels, state: 'established' }, group.established);
    this.sockets.set({ ...labels, state: 'time_wait' }, group.timeWait);
    this.sockets.set({ ...labels, state: 'other' }, group.other);
    if (group.exhaustionInSec !== null) this.exhaustion.set(labels, group.exhaustionInSec);
    if (group.steadyHeld !== null) this.steady.set(labels, group.steadyHeld);
    this.count(labels, group.newConnections, present);
  }

  /** Adds a read's new connections to the group's counter (a first read adds none, but shows the series at 0). */
  private count(labels: GroupLabels, fresh: number | null, present: Set<string>): void {
    const key = JSON.stringify(labels);
    present.add(key);
    const before = this.counted.get(key);
    const add = fresh ?? 0;
    if (before === undefined) this.newConnections.inc(labels, add);
    else if (add > 0) this.newConnections.inc(labels, add);
    this.counted.set(key, (before ?? 0) + add);
  }
}
