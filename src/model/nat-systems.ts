import { CONNTRACK_TIME_WAIT_SEC, evictsTimeWait } from './nat-budget.js';
import type { NatProfile } from '../result/limits-report.js';

/**
 * The NATs of the table with their published figures. A cloud NAT's internals are not
 * measured here; the Linux rows are (docs/nat.md): since 6.5 a new SYN takes a mapping in
 * conntrack's TIME_WAIT back, so on such a kernel only the connections open at once count.
 */
export function natProfiles(kernel: string): readonly NatProfile[] {
  const evicts = evictsTimeWait(kernel);
  return [
    {
      name: 'linux-masquerade',
      system: `Linux snat/masquerade (kube-proxy, Docker), this kernel ${kernel}`,
      portsPerDestination: 64_512,
      holdAfterCloseSec: evicts ? 0 : CONNTRACK_TIME_WAIT_SEC,
      maxAddresses: null,
      perSource: false,
      idleSec: 432_000,
      note: evicts
        ? "the rule's range (default 1024-65535); a new SYN takes a TIME_WAIT mapping back (6.5+): open connections count"
        : "the rule's range (default 1024-65535), each mapping held conntrack's TIME_WAIT, 120 s",
      source:
        'net/netfilter/nf_nat_core.c (nf_nat_l4proto_unique_tuple, nf_nat_used_tuple_harder); nf_conntrack_tcp_timeout_time_wait; measured by portchurn nat',
    },
    {
      name: 'aws-nat-gateway',
      system: 'AWS NAT Gateway',
      portsPerDestination: 55_000,
      holdAfterCloseSec: 60,
      maxAddresses: 8,
      perSource: false,
      idleSec: 350,
      note: '55,000 simultaneous connections to each unique destination per address ("about 900 a second, 55,000 a minute"); idle timeout 350 s',
      source: 'AWS VPC User Guide, "NAT gateway basics"',
    },
    {
      name: 'azure-lb-outbound',
      system: 'Azure Load Balancer outbound rules (default allocation)',
      portsPerDestination: 1_024,
      holdAfterCloseSec: 240,
      maxAddresses: null,
      perSource: true,
      idleSec: 240,
      note: 'ports pre-allocated per VM by backend pool size: 1,024 for up to 50 VMs, down to 32; 4 min idle',
      source: 'Azure Load Balancer docs, "Source Network Address Translation (SNAT) for outbound connections"',
    },
    {
      name: 'azure-nat-gateway',
      system: 'Azure NAT Gateway',
      portsPerDestination: 50_000,
      holdAfterCloseSec: 240,
      maxAddresses: 16,
      perSource: false,
      idleSec: 240,
      note: '50,000 connections per public address to the same destination; 4 min idle',
      source: 'Azure NAT Gateway docs, "Azure NAT Gateway resource" (SNAT ports)',
    },
    {
      name: 'gcp-cloud-nat',
      system: 'GCP Cloud NAT (static allocation)',
      portsPerDestination: 64,
      holdAfterCloseSec: 120,
      maxAddresses: null,
      perSource: true,
      idleSec: 1_200,
      note: 'min-ports-per-vm 64 by default (dynamic allocation up to 65,536); TIME_WAIT 120 s, 30 s for gateways made from September 2026',
      source: 'Google Cloud NAT docs, "Tune NAT configuration" (tcp-time-wait-timeout, min-ports-per-vm)',
    },
    {
      name: 'cilium-egress-gateway',
      system: 'Cilium egress gateway',
      portsPerDestination: 32_768,
      holdAfterCloseSec: null,
      maxAddresses: null,
      perSource: false,
      idleSec: null,
      note: '32,768 ports per egress address and destination (cilium_nat_endpoint_max_connection)',
      source: 'Cilium docs, egress gateway and NAT metrics',
    },
  ];
}
