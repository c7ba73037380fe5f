/*
 * The native loop's edges, in C (test/integration/native-c.test.ts builds and runs it):
 *   records: drain takes the oldest records only once they are copied, the rest wait; an
 *            allocation that fails after an attempt was counted is counted as lost;
 *   options: when SO_LINGER (--close reset), SO_REUSEADDR (bind) or IP_LOCAL_PORT_RANGE cannot be
 *            set, every attempt ends as PC_SOCKET_OPTION, never as a success of what was not run;
 *   scope:   a sort that cannot allocate is an error, never unsorted keys.
 * realloc, malloc and setsockopt are wrapped (-Wl,--wrap) so each can be made to fail on purpose;
 * the loop runs against a loopback server this program starts.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "engine/loop.h"
#include "kernel/socket_count.h"

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

/* The wrapped calls: fail when asked, else the real ones. */
static int fail_realloc = 0, fail_malloc = 0, fail_level = -1, fail_option = -1;
void *__real_realloc(void *p, size_t n);
void *__real_malloc(size_t n);
int __real_setsockopt(int fd, int level, int name, const void *value, socklen_t len);
void *__wrap_realloc(void *p, size_t n) {
  return fail_realloc ? NULL : __real_realloc(p, n);
}
void *__wrap_malloc(size_t n) {
  return fail_malloc ? NULL : __real_malloc(n);
}
int __wrap_setsockopt(int fd, int level, int name, const void *value, socklen_t len) {
  if (level == fail_level && name == fail_option) {
    errno = ENOPROTOOPT;
    return -1;
  }
  return __real_setsockopt(fd, level, name, value, len);
}

static void records_wait_until_copied(void) {
  pc_loop *loop = pc_loop_new();
  pc_record r = {0};
  for (int i = 0; i < 3; i++) {
    r.start_ms = i;
    pc_emit(loop, &r);
  }
  EXPECT(pc_loop_pending(loop) == 3, "3 pending, not %zu", pc_loop_pending(loop));
  pc_record out[3];
  EXPECT(pc_loop_take(loop, out, 2) == 2, "took 2");
  EXPECT(out[0].start_ms == 0 && out[1].start_ms == 1, "the oldest first");
  EXPECT(pc_loop_pending(loop) == 1, "1 left waiting, not %zu", pc_loop_pending(loop));
  EXPECT(pc_loop_take(loop, out, 3) == 1 && out[0].start_ms == 2, "then the third");
  EXPECT(pc_loop_take(loop, out, 3) == 0, "then none");
  pc_loop_free(loop);
}

static void a_record_that_cannot_be_kept_is_counted_lost(void) {
  pc_loop *loop = pc_loop_new();
  pc_record r = {0};
  pc_emit(loop, &r); /* the first array: room for 4096 */
  for (int i = 1; i < 4096; i++) pc_emit(loop, &r);
  fail_realloc = 1;
  pc_emit(loop, &r); /* needs a bigger array, which cannot be had */
  pc_emit(loop, &r);
  fail_realloc = 0;
  EXPECT(pc_loop_pending(loop) == 4096, "the kept records stay: %zu", pc_loop_pending(loop));
  EXPECT(atomic_load(&loop->lost_records) == 2, "2 lost, not %lld", (long long)atomic_load(&loop->lost_records));
  pc_emit(loop, &r);
  EXPECT(pc_loop_pending(loop) == 4097 && atomic_load(&loop->lost_records) == 2, "memory back: kept again");
  pc_loop_free(loop);
}

/* A loopback server: answers every request with a complete response and waits for the client's close. */
static int listener = -1;
static void *serve(void *arg) {
  (void)arg;
  for (;;) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) return NULL;
    char buf[1024];
    if (recv(fd, buf, sizeof buf, 0) > 0) {
      const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      if (send(fd, reply, sizeof reply - 1, MSG_NOSIGNAL) < 0) perror("send");
    }
    while (recv(fd, buf, sizeof buf, 0) > 0) {
    }
    close(fd);
  }
}

/* Runs `attempts` attempts (two in flight) and counts their codes: [0] successes, [1] SOCKET_OPTION, [2] anything else. */
static void run_loop(pc_port_mode mode, pc_close_policy close_policy, uint32_t port_range, uint16_t port, int attempts, int counts[3]) {
  pc_loop *loop = pc_loop_new();
  pc_config *c = &loop->cfg;
  static const char request[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  c->destinations = calloc(1, sizeof *c->destinations);
  struct sockaddr_in *dst = (struct sockaddr_in *)&c->destinations[0].addr;
  dst->sin_family = AF_INET;
  dst->sin_port = htons(port);
  dst->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  c->destinations[0].len = sizeof *dst;
  c->destination_count = 1;
  if (mode != PC_PORT_KERNEL) {
    c->sources = calloc(1, sizeof *c->sources);
    struct sockaddr_in *src = (struct sockaddr_in *)&c->sources[0].addr;
    src->sin_family = AF_INET;
    src->sin_addr.s_addr = htonl(0x7f000063); /* 127.0.0.99 */
    c->sources[0].len = sizeof *src;
    c->source_count = 1;
  }
  c->port_mode = mode;
  c->socket_port_range = port_range;
  c->request = malloc(sizeof request - 1);
  memcpy(c->request, request, sizeof request - 1);
  c->request_len = sizeof request - 1;
  c->http = 1;
  c->close = close_policy;
  c->connections = 2;
  c->start_ms = pc_now_ms();
  c->deadline_ms = PC_NO_BOUND;
  c->max_attempts = attempts;
  c->timeout_ms = 5000;
  c->grace_ms = 0;
  EXPECT(pc_loop_start(loop) == 0, "the loop starts");
  pc_loop_join(loop);
  counts[0] = counts[1] = counts[2] = 0;
  pc_record out[64];
  size_t n;
  while ((n = pc_loop_take(loop, out, 64)) > 0)
    for (size_t i = 0; i < n; i++) counts[out[i].code == PC_OK && out[i].status == 200 ? 0 : out[i].code == PC_SOCKET_OPTION ? 1 : 2]++;
  pc_loop_free(loop);
}

static void an_option_that_fails_is_counted(uint16_t port) {
  int counts[3];
  run_loop(PC_PORT_KERNEL, PC_CLOSE_RESET, 0, port, 10, counts);
  EXPECT(counts[0] == 10, "reset with SO_LINGER: 10 ok, not %d (%d, %d)", counts[0], counts[1], counts[2]);
  fail_level = SOL_SOCKET;
  fail_option = SO_LINGER;
  run_loop(PC_PORT_KERNEL, PC_CLOSE_RESET, 0, port, 10, counts);
  EXPECT(counts[1] == 10 && counts[0] == 0, "reset without SO_LINGER: 10 SOCKET_OPTION, not ok %d / option %d / other %d", counts[0],
         counts[1], counts[2]);
  fail_option = SO_REUSEADDR;
  run_loop(PC_PORT_BIND, PC_CLOSE_CLIENT, 0, port, 10, counts);
  EXPECT(counts[1] == 10, "bind without SO_REUSEADDR: 10 SOCKET_OPTION, not ok %d / option %d / other %d", counts[0], counts[1], counts[2]);
  fail_level = IPPROTO_IP;
  fail_option = 51; /* IP_LOCAL_PORT_RANGE */
  run_loop(PC_PORT_KERNEL, PC_CLOSE_CLIENT, (61999u << 16) | 61000u, port, 10, counts);
  EXPECT(counts[1] == 10, "without IP_LOCAL_PORT_RANGE: 10 SOCKET_OPTION, not ok %d / option %d / other %d", counts[0], counts[1],
         counts[2]);
  fail_level = fail_option = -1;
}

static void a_sort_without_memory_is_an_error(void) {
  pc_scope_key keys[2];
  int index[2] = {0, 1};
  pc_scope_key_of("127.0.0.2", 0, 0, &keys[0]);
  pc_scope_key_of("127.0.0.1", 0, 0, &keys[1]);
  pc_scope scope = {.sources = keys, .source_index = index, .source_count = 2};
  fail_malloc = 1;
  int err = pc_scope_sort(&scope);
  fail_malloc = 0;
  EXPECT(err == ENOMEM, "ENOMEM, not %d", err);
  EXPECT(pc_scope_sort(&scope) == 0 && scope.source_index[0] == 1, "sorted once memory is there");
}

int main(void) {
  records_wait_until_copied();
  a_record_that_cannot_be_kept_is_counted_lost();
  a_sort_without_memory_is_an_error();
  listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 64) != 0 ||
      getsockname(listener, (struct sockaddr *)&addr, &len) != 0) {
    perror("listen");
    return 2;
  }
  pthread_t server;
  pthread_create(&server, NULL, serve, NULL);
  an_option_that_fails_is_counted(ntohs(addr.sin_port));
  printf("%s (%d failures)\n", failures ? "FAILED" : "ok", failures);
  return failures ? 1 : 0;
}
