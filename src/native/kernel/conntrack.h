/*
 * Conntrack through ctnetlink (NETLINK_NETFILTER), in the namespace the socket was made in: its
 * statistics summed over CPUs, and a dump of its IPv4 entries handed one by one to a callback, so
 * a table of any size is read in constant memory (one 64 KiB buffer).
 */
#ifndef PC_CONNTRACK_H
#define PC_CONNTRACK_H
#include "kernel/ct_parse.h"

/* Called for each entry; return non-zero to stop early (the dump is still read to its end). */
typedef int (*pc_ct_fn)(const pc_ct_entry *e, void *ctx);

/* A ctnetlink socket in this thread's namespace, or -errno. */
int pc_ct_open(void);
/* 0, or an errno (EPROTONOSUPPORT or ENOENT where conntrack is not loaded). */
int pc_ct_stats_on(int fd, pc_ct_stats *out);
int pc_ct_dump_on(int fd, pc_ct_fn fn, void *ctx);

#endif
