#define _GNU_SOURCE
#include "kernel/nl_dump.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#define RECV_BYTES 65536

int pc_nl_dump(int fd, const void *request, size_t len, pc_nl_fn fn, void *ctx) {
  /* One allocation per dump, none per message. */
  char *buf = malloc(RECV_BYTES);
  if (!buf) return ENOMEM;
  while (recv(fd, buf, RECV_BYTES, MSG_DONTWAIT) > 0) {
  }
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  int err = sendto(fd, request, len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0 ? errno : 0;
  int done = 0;
  while (!err && !done) {
    ssize_t n = recv(fd, buf, RECV_BYTES, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    if (n == 0) break;
    size_t left = (size_t)n;
    for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_DONE) {
        done = 1;
        break;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(h);
        err = h->nlmsg_len < NLMSG_LENGTH(sizeof *e) ? EPROTO : -e->error;
        done = 1;
        break;
      }
      fn(h, ctx);
    }
  }
  free(buf);
  return err;
}
