#define _GNU_SOURCE
#include "kernel/port_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"

static uint32_t since(uint64_t t0) {
  uint64_t ns = pc_now_ns() - t0;
  return ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

/* One connection whose port the timed call searched for; 0, or the errno that ended the probe. */
static int one(pc_probe_call call, const struct sockaddr_in *to, int listener, uint32_t *ns) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int err = 0;
  if (call == PC_PROBE_BIND) {
    int yes = 1;
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    uint64_t t0 = pc_now_ns();
    if (bind(fd, (const struct sockaddr *)&any, sizeof any) != 0) err = errno;
    *ns = since(t0);
    if (!err && connect(fd, (const struct sockaddr *)to, sizeof *to) != 0) err = errno;
  } else {
    uint64_t t0 = pc_now_ns();
    if (connect(fd, (const struct sockaddr *)to, sizeof *to) != 0) err = errno;
    *ns = since(t0);
  }
  if (err) {
    close(fd);
    return err;
  }
  /* Loopback: the handshake is done when connect() returns; the accept queue holds it. */
  int peer = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  /* The client's FIN first (so the TIME_WAIT, and the port, stay with it), then the server's. */
  close(fd);
  if (peer >= 0) close(peer);
  return 0;
}

int pc_port_probe(pc_probe_call call, int count, uint32_t *out) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) return -errno;
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof to;
  if (bind(listener, (struct sockaddr *)&to, sizeof to) != 0 || listen(listener, 64) != 0 ||
      getsockname(listener, (struct sockaddr *)&to, &len) != 0) {
    int e = errno;
    close(listener);
    return -e;
  }
  int made = 0;
  for (; made < count; made++)
    if (one(call, &to, listener, &out[made]) != 0) break;
  close(listener);
  return made;
}
