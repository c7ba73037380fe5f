import type { OsDefaults } from '../result/limits-report.js';

/**
 * Defaults of other systems, for comparison and planning. These are not measured here; each
 * comes from the system's source or vendor documentation named in `source`.
 */
export const OS_DEFAULTS: readonly OsDefaults[] = [
  {
    os: 'Linux',
    ephemeralLow: 32768,
    ephemeralHigh: 60999,
    timeWaitSec: 60,
    loopbackAliasesNeeded: false,
    source:
      'kernel Documentation/networking/ip-sysctl.rst (ip_local_port_range); include/net/tcp.h TCP_TIMEWAIT_LEN (60 s); the local route 127.0.0.0/8 on lo',
  },
  {
    os: 'macOS',
    ephemeralLow: 49152,
    ephemeralHigh: 65535,
    timeWaitSec: 30,
    loopbackAliasesNeeded: true,
    source:
      'XNU bsd/netinet/in_pcb.c (net.inet.ip.portrange.first/last = 49152-65535); bsd/netinet/tcp_timer.h TCPTV_MSL = 15 s, so 2 x MSL = 30 s; lo0 has only 127.0.0.1 (ifconfig lo0 alias 127.0.0.N)',
  },
  {
    os: 'FreeBSD',
    ephemeralLow: 10000,
    ephemeralHigh: 65535,
    timeWaitSec: 60,
    loopbackAliasesNeeded: true,
    source:
      'sys/netinet/in.h IPPORT_EPHEMERALFIRST/LAST = 10000-65535 (net.inet.ip.portrange.first/last); sys/netinet/tcp_timer.h TCPTV_MSL = 30 s (net.inet.tcp.msl), so 60 s; lo0 has only 127.0.0.1',
  },
  {
    os: 'Windows',
    ephemeralLow: 49152,
    ephemeralHigh: 65535,
    timeWaitSec: 120,
    loopbackAliasesNeeded: false,
    source:
      'Microsoft KB 929851 (dynamic port range 49152-65535 since Vista / Server 2008); TechNet TcpTimedWaitDelay, default 120 s since Windows Server 2003 (240 s in Windows 2000); 127.0.0.0/8 answers without set-up',
  },
];
