#define _GNU_SOURCE
#include "kernel/conntrack.h"

#include "kernel/nl_dump.h"

#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int pc_ct_open(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  return fd < 0 ? -errno : fd;
}

typedef int (*msg_fn)(const uint8_t *payload, size_t len, void *ctx);

typedef struct {
  msg_fn fn;
  void *ctx;
} body_job;

/* Each answer's body (after its nlmsghdr) to the parser. */
static void each_body(const struct nlmsghdr *h, void *arg) {
  body_job *job = arg;
  if (h->nlmsg_len < NLMSG_LENGTH(0)) return;
  job->fn((const uint8_t *)NLMSG_DATA(h), h->nlmsg_len - NLMSG_LENGTH(0), job->ctx);
}

/* A ctnetlink dump request (subsystem CTNETLINK, message `msg`, for `family`), each answer's body to fn. */
static int dump(int fd, uint16_t msg, uint8_t family, msg_fn fn, void *ctx) {
  struct {
    struct nlmsghdr nlh;
    struct nfgenmsg g;
  } m;
  memset(&m, 0, sizeof m);
  m.nlh.nlmsg_len = sizeof m;
  m.nlh.nlmsg_type = (uint16_t)((NFNL_SUBSYS_CTNETLINK << 8) | msg);
  m.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  m.nlh.nlmsg_seq = 1;
  m.g.nfgen_family = family;
  m.g.version = NFNETLINK_V0;
  body_job job = {fn, ctx};
  return pc_nl_dump(fd, &m, sizeof m, each_body, &job);
}

static int add_stats(const uint8_t *payload, size_t len, void *ctx) {
  return pc_ct_parse_stats(payload, len, ctx);
}

int pc_ct_stats_on(int fd, pc_ct_stats *out) {
  memset(out, 0, sizeof *out);
  return dump(fd, IPCTNL_MSG_CT_GET_STATS_CPU, AF_UNSPEC, add_stats, out);
}

typedef struct {
  pc_ct_fn fn;
  void *ctx;
  int stopped;
} entry_job;

static int each_entry(const uint8_t *payload, size_t len, void *ctx) {
  entry_job *job = ctx;
  pc_ct_entry e;
  if (job->stopped || pc_ct_parse_entry(payload, len, &e) != 0) return 0;
  if (job->fn(&e, job->ctx)) job->stopped = 1;
  return 0;
}

int pc_ct_dump_on(int fd, pc_ct_fn fn, void *ctx) {
  entry_job job = {fn, ctx, 0};
  return dump(fd, IPCTNL_MSG_CT_GET, AF_INET, each_entry, &job);
}
