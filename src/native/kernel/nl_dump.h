/*
 * A netlink dump, whatever the family asked (sock_diag, ctnetlink): one request, then every
 * answer message handed over until NLMSG_DONE. The kernel fills each dump message up to about
 * 32 KiB (netlink_dump's allocation), so a 64 KiB buffer takes a whole message per recv().
 */
#ifndef PC_NL_DUMP_H
#define PC_NL_DUMP_H
#include <linux/netlink.h>
#include <stddef.h>

/* One answer message; its nlmsg_len is the kernel's, and still checked by whoever reads its body. */
typedef void (*pc_nl_fn)(const struct nlmsghdr *h, void *ctx);

/*
 * Drops what a dump that failed half-way left queued on `fd`, sends `request` (a whole message,
 * NLM_F_DUMP set by the caller) and calls fn for each answer until NLMSG_DONE. 0, or an errno (an
 * NLMSG_ERROR's, or the socket's).
 */
int pc_nl_dump(int fd, const void *request, size_t len, pc_nl_fn fn, void *ctx);

#endif
