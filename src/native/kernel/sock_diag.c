#define _GNU_SOURCE
#include "kernel/sock_diag.h"

#include "kernel/nl_dump.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  pc_diag_fn fn;
  void *ctx;
  int stopped;
} walk_job;

static void each_socket(const struct nlmsghdr *h, void *arg) {
  walk_job *job = arg;
  if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || job->stopped) return;
  /* The length comes from the kernel, but check it: a short record is not read past. */
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) return;
  const struct inet_diag_msg *m = NLMSG_DATA(h);
  pc_diag_sock s = {.family = m->idiag_family,
                    .state = m->idiag_state,
                    .sport = ntohs(m->id.idiag_sport),
                    .dport = ntohs(m->id.idiag_dport),
                    .expires_ms = m->idiag_expires,
                    .cookie = (uint64_t)m->id.idiag_cookie[0] | (uint64_t)m->id.idiag_cookie[1] << 32};
  size_t addr_len = m->idiag_family == AF_INET ? 4 : 16;
  memcpy(s.src, m->id.idiag_src, addr_len);
  memcpy(s.dst, m->id.idiag_dst, addr_len);
  if (job->fn(&s, job->ctx)) job->stopped = 1; /* keep reading to the end, so the socket is left clean */
}

int pc_diag_open(void) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  return fd < 0 ? -errno : fd;
}

int pc_diag_dump_on(int fd, int family, uint32_t states, pc_diag_fn fn, void *ctx) {
  struct {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 req;
  } msg;
  memset(&msg, 0, sizeof msg);
  msg.nlh.nlmsg_len = sizeof msg;
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.nlh.nlmsg_seq = 1;
  msg.req.sdiag_family = (uint8_t)family;
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_ext = 0; /* no extensions: the bare record is all we read */
  msg.req.idiag_states = states;
  walk_job job = {fn, ctx, 0};
  return pc_nl_dump(fd, &msg, sizeof msg, each_socket, &job);
}

int pc_diag_dump(int family, uint32_t states, pc_diag_fn fn, void *ctx) {
  int fd = pc_diag_open();
  if (fd < 0) return -fd;
  int err = pc_diag_dump_on(fd, family, states, fn, ctx);
  close(fd);
  return err;
}
