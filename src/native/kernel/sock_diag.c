#define _GNU_SOURCE
#include "kernel/sock_diag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * The kernel fills each dump message up to about 32 KiB (netlink_dump's allocation), so a
 * 64 KiB buffer takes a whole message per recv(); a smaller one would truncate it.
 */
#define RECV_BYTES 65536

static int request(int fd, int family, uint32_t states) {
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
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  struct iovec iov = {&msg, sizeof msg};
  struct msghdr mh = {.msg_name = &kernel, .msg_namelen = sizeof kernel, .msg_iov = &iov, .msg_iovlen = 1};
  return sendmsg(fd, &mh, 0) < 0 ? errno : 0;
}

/* One received buffer; returns 1 when the dump is done, 0 for more, or -errno. */
static int walk(const char *buf, size_t len, pc_diag_fn fn, void *ctx, int *stopped) {
  for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
    if (h->nlmsg_type == NLMSG_DONE) return 1;
    if (h->nlmsg_type == NLMSG_ERROR) {
      const struct nlmsgerr *e = NLMSG_DATA(h);
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof *e)) return -EPROTO;
      return e->error == 0 ? 1 : e->error; /* negative errno */
    }
    if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || *stopped) continue;
    /* The length comes from the kernel, but check it: a short record is not read past. */
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) continue;
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
    if (fn(&s, ctx)) *stopped = 1; /* keep reading to the end, so the socket is left clean */
  }
  return 0;
}

int pc_diag_open(void) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  return fd < 0 ? -errno : fd;
}

int pc_diag_dump_on(int fd, int family, uint32_t states, pc_diag_fn fn, void *ctx) {
  /* One allocation per dump (a sample), none per socket. */
  char *buf = malloc(RECV_BYTES);
  if (!buf) return ENOMEM;
  /* A socket used before may hold the tail of a dump that failed half-way: drop it first. */
  while (recv(fd, buf, RECV_BYTES, MSG_DONTWAIT) > 0) {
  }
  int err = request(fd, family, states);
  int stopped = 0;
  while (!err) {
    ssize_t n = recv(fd, buf, RECV_BYTES, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    if (n == 0) break;
    int r = walk(buf, (size_t)n, fn, ctx, &stopped);
    if (r == 1) break;
    if (r < 0) err = -r;
  }
  free(buf);
  return err;
}

int pc_diag_dump(int family, uint32_t states, pc_diag_fn fn, void *ctx) {
  int fd = pc_diag_open();
  if (fd < 0) return -fd;
  int err = pc_diag_dump_on(fd, family, states, fn, ctx);
  close(fd);
  return err;
}
