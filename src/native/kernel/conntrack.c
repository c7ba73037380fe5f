#define _GNU_SOURCE
#include "kernel/conntrack.h"

#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A dump message is at most about 32 KiB (netlink_dump's allocation): 64 KiB takes one whole. */
#define RECV_BYTES 65536

int pc_ct_open(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  return fd < 0 ? -errno : fd;
}

static int request(int fd, uint16_t msg, uint8_t family) {
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
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  return sendto(fd, &m, sizeof m, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0 ? errno : 0;
}

typedef int (*msg_fn)(const uint8_t *payload, size_t len, void *ctx);

/* Sends the dump request and hands each answer's body to fn until NLMSG_DONE. */
static int dump(int fd, uint16_t msg, uint8_t family, msg_fn fn, void *ctx) {
  uint8_t *buf = malloc(RECV_BYTES);
  if (!buf) return ENOMEM;
  /* The tail of a dump that failed half-way may still be queued: drop it first. */
  while (recv(fd, buf, RECV_BYTES, MSG_DONTWAIT) > 0) {
  }
  int err = request(fd, msg, family);
  int done = 0;
  while (!err && !done) {
    ssize_t n = recv(fd, buf, RECV_BYTES, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    if (n == 0) break;
    size_t len = (size_t)n;
    for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type == NLMSG_DONE) {
        done = 1;
        break;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(h);
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof *e))
          err = EPROTO;
        else if (e->error != 0)
          err = -e->error;
        done = 1;
        break;
      }
      fn((const uint8_t *)NLMSG_DATA(h), h->nlmsg_len - NLMSG_LENGTH(0), ctx);
    }
  }
  free(buf);
  return err;
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
