/*
 * ctnetlink messages (nfnetlink's conntrack subsystem) taken apart, with no socket: one conntrack
 * entry of a dump (IPCTNL_MSG_CT_NEW answers to IPCTNL_MSG_CT_GET), and one CPU's statistics
 * (IPCTNL_MSG_CT_GET_STATS_CPU). The bytes come from the kernel, but every length is checked as if
 * they came from anyone: a short or nested-past-its-end attribute is never read past (fuzzed in
 * fuzz/conntrack_fuzz.c).
 */
#ifndef PC_CT_PARSE_H
#define PC_CT_PARSE_H
#include <stddef.h>
#include <stdint.h>

/* One conntrack entry. IPv4 addresses in network order as they lie in memory, ports in host order. */
typedef struct {
  uint8_t proto;     /* IPPROTO_TCP, ...; 0 when absent */
  uint8_t tcp_state; /* TCP_CONNTRACK_* (0 NONE .. 9 SYN_SENT2); PC_CT_NO_STATE when absent */
  uint32_t status;   /* IPS_* bits (IPS_SRC_NAT: the source was rewritten) */
  uint32_t orig_src, orig_dst, reply_src, reply_dst;
  uint16_t orig_sport, orig_dport, reply_sport, reply_dport;
} pc_ct_entry;

#define PC_CT_NO_STATE 0xff
/* Conntrack's TCP states, TCP_CONNTRACK_NONE (0) to TCP_CONNTRACK_SYN_SENT2 (9). */
#define PC_CT_TCP_STATES 10

/* Conntrack's statistics, summed over CPUs; a counter the kernel does not send stays 0. */
typedef struct {
  uint64_t found, invalid, insert, insert_failed, drop, early_drop, error, search_restart, clash_resolve, chaintoolong;
  uint32_t cpus;
} pc_ct_stats;

/*
 * `payload` is a message's body after its nlmsghdr (the nfgenmsg, then attributes). Fills `out`
 * and returns 0, or -1 when the message is not an IPv4 entry with both tuples.
 */
int pc_ct_parse_entry(const uint8_t *payload, size_t len, pc_ct_entry *out);
/* Adds one CPU's statistics message to `acc`; 0, or -1 when malformed (nothing added). */
int pc_ct_parse_stats(const uint8_t *payload, size_t len, pc_ct_stats *acc);

#endif
