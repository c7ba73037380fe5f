/*
 * The native built-in target's edges, in C (test/integration/native-c.test.ts builds and runs it
 * under AddressSanitizer and UBSan):
 *   pipelining: requests sent back to back are answered, every one, in order (a stats request in
 *               the middle answers in its place), at depths 1, 2 and 16, in one write and split
 *               a byte at a time; a request that arrives while the target delays is answered when
 *               the delay ends, not at the idle timeout;
 *   writes:     a client that stops reading is closed after the idle timeout and counted
 *               (refused.writeTimeout), never held for ever;
 *   the loop:   an epoll_wait that fails ends the thread and says so in the stats (loopErrnos);
 *   counts:     a table keeps at most PC_COUNT_TABLE_MAX addresses (built with 4 here): past it the
 *               totals stay exact and the stats say the per-address counts are short.
 * epoll_wait is wrapped (-Wl,--wrap) so it can be made to fail on purpose. Every wait is bounded:
 * the client's sockets time out (SO_RCVTIMEO) and the stats are polled with a deadline.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "builtin-target/target.h"
#include "builtin-target/counts.h"

static int failures = 0;
#define EXPECT(cond, ...)                                  \
  do {                                                     \
    if (!(cond)) {                                         \
      failures++;                                          \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
    }                                                      \
  } while (0)

static atomic_int fail_epoll_wait = 0;
int __real_epoll_wait(int epfd, struct epoll_event *events, int max, int timeout);
int __wrap_epoll_wait(int epfd, struct epoll_event *events, int max, int timeout) {
  if (atomic_load(&fail_epoll_wait)) {
    errno = EBADF;
    return -1;
  }
  return __real_epoll_wait(epfd, events, max, timeout);
}

static char *response(const char *connection, size_t body, size_t *len) {
  char head[160];
  int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\nConnection: %s\r\n\r\n", body,
                   connection);
  char *out = malloc((size_t)n + body);
  memcpy(out, head, (size_t)n);
  memset(out + n, 'o', body);
  *len = (size_t)n + body;
  return out;
}

/* A target on 127.0.0.1:0, one thread, HTTP, as target_config.c would fill it. */
static pc_target *start_target(pc_target_close close_policy, double delay_ms, size_t body, double idle_timeout_ms, uint16_t *port) {
  pc_target *t = pc_target_new();
  t->cfg.listen = calloc(1, sizeof *t->cfg.listen);
  struct sockaddr_in *a = (struct sockaddr_in *)&t->cfg.listen[0].addr;
  a->sin_family = AF_INET;
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  t->cfg.listen[0].len = sizeof *a;
  t->cfg.listen_count = 1;
  t->cfg.threads = 1;
  t->cfg.close = close_policy;
  t->cfg.protocol = PC_TPROTO_HTTP;
  t->cfg.delay_ms = delay_ms;
  t->cfg.head_timeout_ms = 60000;
  t->cfg.idle_timeout_ms = idle_timeout_ms;
  t->cfg.response_keep = response("keep-alive", body, &t->cfg.response_keep_len);
  t->cfg.response_close = response("close", body, &t->cfg.response_close_len);
  t->cfg.response_raw = malloc(1);
  t->cfg.response_raw_len = 0;
  int err = pc_target_start(t);
  EXPECT(err == 0, "the target starts (%s)", strerror(err));
  *port = ntohs(((struct sockaddr_in *)&t->cfg.listen[0].addr)->sin_port);
  return t;
}

static int connect_to(uint16_t port, int rcvbuf) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct timeval tv = {.tv_sec = 10};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  EXPECT(connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "connect: %s", strerror(errno));
  return fd;
}

static void send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n <= 0) {
      EXPECT(0, "send: %s", strerror(errno));
      return;
    }
    data += n;
    len -= (size_t)n;
  }
}

/*
 * Reads `count` responses (head, then Content-Length bytes), writing each one's Content-Type
 * initial into kinds[i] ('t' text/plain, 'a' application/json). Returns how many came whole
 * before the connection ended or the read timed out.
 */
static int read_responses(int fd, int count, char *kinds) {
  static char buf[1 << 20];
  size_t have = 0;
  int got = 0;
  while (got < count) {
    char *end = memmem(buf, have, "\r\n\r\n", 4);
    if (end) {
      size_t head = (size_t)(end - buf) + 4;
      const char *cl = memmem(buf, head, "Content-Length: ", 16);
      const char *ct = memmem(buf, head, "Content-Type: ", 14);
      size_t body = cl ? strtoul(cl + 16, NULL, 10) : 0;
      if (have >= head + body) {
        kinds[got++] = ct ? ct[14] : '?';
        memmove(buf, buf + head + body, have - head - body);
        have -= head + body;
        continue;
      }
    }
    if (have == sizeof buf) return got;
    ssize_t n = recv(fd, buf + have, sizeof buf - have, 0);
    if (n <= 0) return got;
    have += (size_t)n;
  }
  return got;
}

static const char REQUEST[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
static const char STATS[] = "GET /__portchurn/stats HTTP/1.1\r\nHost: t\r\n\r\n";

/* `depth` requests in one buffer, the stats request at `stats_at` (-1: none). */
static char *pipeline(int depth, int stats_at, size_t *len) {
  char *out = malloc((size_t)depth * sizeof STATS);
  *len = 0;
  for (int i = 0; i < depth; i++) {
    const char *r = i == stats_at ? STATS : REQUEST;
    size_t n = strlen(r);
    memcpy(out + *len, r, n);
    *len += n;
  }
  return out;
}

static void pipelined_in_order(void) {
  uint16_t port;
  pc_target *t = start_target(PC_TCLOSE_CLIENT, 0, 5, 60000, &port);
  const int depths[] = {1, 2, 16};
  for (size_t d = 0; d < sizeof depths / sizeof depths[0]; d++) {
    for (int split = 0; split < 2; split++) {
      int depth = depths[d];
      int stats_at = depth > 2 ? depth / 2 : -1;
      size_t len;
      char *reqs = pipeline(depth, stats_at, &len);
      int fd = connect_to(port, 0);
      if (split)
        for (size_t i = 0; i < len; i++) send_all(fd, reqs + i, 1); /* every byte its own segment */
      else
        send_all(fd, reqs, len);
      char kinds[64] = {0};
      int got = read_responses(fd, depth, kinds);
      EXPECT(got == depth, "depth %d%s: %d of %d answered", depth, split ? " split" : "", got, depth);
      for (int i = 0; i < got; i++)
        EXPECT(kinds[i] == (i == stats_at ? 'a' : 't'), "depth %d: response %d is %s", depth, i + 1,
               kinds[i] == 'a' ? "the stats" : "a text");
      /* The connection is still open for the next request. */
      send_all(fd, REQUEST, strlen(REQUEST));
      EXPECT(read_responses(fd, 1, kinds) == 1, "depth %d: the connection is kept after the pipeline", depth);
      close(fd);
      free(reqs);
    }
  }
  pc_target_free(t);
}

/* Polls the stats JSON until it holds `needle` (bounded); returns whether it did. */
static int stats_show(pc_target *t, const char *needle, double within_ms) {
  double deadline = pc_now_ms() + within_ms;
  for (;;) {
    size_t len = 0;
    char *json = pc_target_stats_json(t, &len);
    int found = json && strstr(json, needle) != NULL;
    free(json);
    if (found) return 1;
    if (pc_now_ms() > deadline) return 0;
    struct timespec ts = {.tv_nsec = 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

static void request_while_delaying(void) {
  uint16_t port;
  /* The idle timeout (60 s) is far past the read timeout (10 s): a request left for it fails here. */
  pc_target *t = start_target(PC_TCLOSE_CLIENT, 1500, 5, 60000, &port);
  int fd = connect_to(port, 0);
  char kinds[4];
  /* One request answered first: the connection is then in the epoll set, edge-triggered. */
  send_all(fd, REQUEST, strlen(REQUEST));
  EXPECT(read_responses(fd, 1, kinds) == 1, "the first answered");
  send_all(fd, REQUEST, strlen(REQUEST));
  /* The second is counted: the target is in its 1.5 s delay. The third arrives now, its one edge while the target is busy. */
  EXPECT(stats_show(t, "\"requests\":2,", 5000), "the second request is counted");
  send_all(fd, REQUEST, strlen(REQUEST));
  double start = pc_now_ms();
  EXPECT(read_responses(fd, 2, kinds) == 2, "the second and third answered");
  EXPECT(pc_now_ms() - start < 8000, "the third came after its delay, not at the idle timeout");
  close(fd);
  pc_target_free(t);
}

static void stalled_reader_is_closed(void) {
  uint16_t port;
  /* 8 MiB that the client never reads: the target's send buffer fills and the write stalls. */
  pc_target *t = start_target(PC_TCLOSE_CLIENT, 0, 8u << 20, 300, &port);
  int fd = connect_to(port, 4096);
  send_all(fd, REQUEST, strlen(REQUEST));
  EXPECT(stats_show(t, "\"writeTimeout\":1}", 10000), "the stalled response is closed and counted");
  /* The client sees the connection end: an RST (the target closed with bytes unsent) or EOF after what was buffered. */
  char buf[65536];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
  }
  EXPECT(n == 0 || errno == ECONNRESET, "the connection ended (%s)", n == 0 ? "EOF" : strerror(errno));
  close(fd);
  pc_target_free(t);
}

static void loop_failure_is_reported(void) {
  uint16_t port;
  pc_target *t = start_target(PC_TCLOSE_CLIENT, 0, 5, 60000, &port);
  EXPECT(stats_show(t, "\"loopErrnos\":[0]", 1000), "a running thread reports no failure");
  atomic_store(&fail_epoll_wait, 1);
  /* Wake the thread so its next epoll_wait is the failing one. */
  int fd = connect_to(port, 0);
  char want[32];
  snprintf(want, sizeof want, "\"loopErrnos\":[%d]", EBADF);
  EXPECT(stats_show(t, want, 5000), "the failed loop is in the stats");
  atomic_store(&fail_epoll_wait, 0);
  close(fd);
  pc_target_free(t);
}

static void counts_are_bounded(void) {
  uint16_t port;
  pc_target *t = start_target(PC_TCLOSE_SERVER, 0, 2, 60000, &port);
  /* Six source addresses against a table of four. */
  for (int i = 1; i <= 6; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000a00u + (uint32_t)i)}; /* 127.0.10.i */
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    EXPECT(bind(fd, (struct sockaddr *)&src, sizeof src) == 0 && connect(fd, (struct sockaddr *)&dst, sizeof dst) == 0,
           "connect from 127.0.10.%d", i);
    send_all(fd, REQUEST, strlen(REQUEST));
    char kinds[2];
    EXPECT(read_responses(fd, 1, kinds) == 1, "answered from 127.0.10.%d", i);
    close(fd);
  }
  EXPECT(stats_show(t, "{\"connections\":6,\"requests\":6,", 5000), "the totals are exact");
  size_t len = 0;
  char *json = pc_target_stats_json(t, &len);
  int kept = 0;
  for (const char *p = json; (p = strstr(p, "\"127.0.10.")) != NULL; p++) kept++;
  EXPECT(kept == PC_COUNT_TABLE_MAX, "%d remote addresses kept, the table holds %d", kept, PC_COUNT_TABLE_MAX);
  EXPECT(strstr(json, "\"countsComplete\":false") != NULL, "the stats say the per-address counts are short");
  free(json);
  pc_target_free(t);
}

int main(void) {
  pipelined_in_order();
  request_while_delaying();
  stalled_reader_is_closed();
  loop_failure_is_reported();
  counts_are_bounded();
  printf("ok (%d failures)\n", failures);
  return failures ? 1 : 0;
}
