/*
 * The target's threads: each binds its own listener on every listen address with SO_REUSEPORT
 * (the kernel hashes each new connection to one of them, so no thread wakes for another's),
 * accepts, and runs its connections' events and deadlines on one epoll set. stop() wakes every
 * thread through an eventfd; each closes what it holds and records its CPU time as it ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/clock.h"
#include "builtin-target/conn.h"
#include "builtin-target/counts.h"
#include "builtin-target/target.h"
#include "builtin-target/timers.h"

#define MAX_EVENTS 256
/* Connections accepted from one listener per wake-up, so that one busy listener cannot starve the rest. */
#define ACCEPT_BATCH 64
/* After EMFILE or ENFILE: how long the listeners rest before accepting again (their queue holds the clients). */
#define ACCEPT_PAUSE_MS 100.0
/* A deep accept queue: a churn load bursts SYNs (the kernel caps it at net.core.somaxconn). */
#define BACKLOG 4096

/* Runs what came due; returns the next deadline (+inf: none). */
static double run_timers(pc_target_thread *th, double now) {
  int kind;
  pc_tconn *c;
  while ((c = pc_timer_pop_due(th, now, &kind)) != NULL) pc_tconn_timer(th, c, kind);
  return pc_timer_next(th);
}

static int is_wildcard(const struct sockaddr_storage *ss) {
  if (ss->ss_family == AF_INET) return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
  return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, &in6addr_any, sizeof in6addr_any) == 0;
}

static void set_listening(pc_target_thread *th, int on) {
  for (int i = 0; i < th->cfg->listen_count; i++) {
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &th->listeners[i]};
    epoll_ctl(th->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, th->listeners[i], &ev);
  }
  th->accepting = on;
}

static void count_accept_error(pc_target_thread *th) {
  pthread_mutex_lock(&th->lock);
  th->refused.accept_errors++;
  pthread_mutex_unlock(&th->lock);
}

static void accept_from(pc_target_thread *th, int index) {
  const pc_target_config *cfg = th->cfg;
  for (int k = 0; k < ACCEPT_BATCH; k++) {
    struct sockaddr_storage peer, self;
    socklen_t peer_len = sizeof peer;
    int fd = accept4(th->listeners[index], (struct sockaddr *)&peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      count_accept_error(th);
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        /* Out of descriptors or memory: rest, or a level-triggered listener would spin. */
        set_listening(th, 0);
        th->accept_paused_until = pc_now_ms() + ACCEPT_PAUSE_MS;
      }
      return;
    }
    /* The local address is the listener's, unless it listens on every address. */
    self = cfg->listen[index].addr;
    if (is_wildcard(&self)) {
      socklen_t self_len = sizeof self;
      if (getsockname(fd, (struct sockaddr *)&self, &self_len) != 0) self = cfg->listen[index].addr;
    }
    pc_tconn_accepted(th, fd, &peer, &self);
  }
}

static void *run(void *arg) {
  pc_target_thread *th = arg;
  th->tid = (pid_t)syscall(SYS_gettid);
  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    double now = pc_now_ms();
    double next = run_timers(th, now);
    if (!th->accepting) {
      if (now >= th->accept_paused_until)
        set_listening(th, 1);
      else if (th->accept_paused_until < next)
        next = th->accept_paused_until;
    }
    int timeout = th->ready_head ? 0 : isinf(next) ? -1 : next <= now ? 0 : (int)ceil(next - now);
    int n = epoll_wait(th->epfd, events, MAX_EVENTS, timeout);
    if (n < 0 && errno != EINTR) {
      /* Never seen (EBADF, EINVAL, EFAULT would be our bug): the thread cannot go on, and says so in
         the stats (loopErrnos) instead of ending silently with its listeners still bound. */
      int e = errno;
      pthread_mutex_lock(&th->lock);
      th->loop_errno = e;
      pthread_mutex_unlock(&th->lock);
      break;
    }
    int stop = 0;
    for (int i = 0; i < n; i++) {
      void *p = events[i].data.ptr;
      if (p == &th->wake_fd)
        stop = 1;
      else if ((int *)p >= th->listeners && (int *)p < th->listeners + th->cfg->listen_count)
        accept_from(th, (int)((int *)p - th->listeners));
      else
        pc_tconn_event(th, p, events[i].events);
    }
    pc_tconn_run_ready(th);
    if (stop || atomic_load(&th->target->stop_requested)) break;
  }
  while (th->open_conns) pc_tconn_close(th, th->open_conns);
  struct rusage ru;
  if (getrusage(RUSAGE_THREAD, &ru) == 0) {
    th->final_system_us = (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
    th->final_user_us = (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec;
  }
  return NULL;
}

pc_target *pc_target_new(void) {
  pc_target *t = calloc(1, sizeof *t);
  if (t) atomic_init(&t->stop_requested, 0);
  return t;
}

/*
 * One listener: SO_REUSEADDR as libuv sets it; with several threads SO_REUSEPORT, so that each
 * binds the same address and the kernel spreads new connections over them. One thread goes
 * without it: then no other socket of this user can bind the port and take a share of the load.
 */
static int listener(struct sockaddr_storage *addr, socklen_t len, int reuse_port, int *out) {
  int one = 1;
  int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) || bind(fd, (struct sockaddr *)addr, len) != 0 ||
      listen(fd, BACKLOG) != 0) {
    int err = errno;
    close(fd);
    return err;
  }
  /* Port 0: the kernel chose one; the other threads bind that one. */
  socklen_t got = sizeof *addr;
  if (getsockname(fd, (struct sockaddr *)addr, &got) != 0) {
    int err = errno;
    close(fd);
    return err;
  }
  *out = fd;
  return 0;
}

static int prepare_thread(pc_target *t, pc_target_thread *th, int index) {
  th->cfg = &t->cfg;
  th->target = t;
  th->index = index;
  th->final_user_us = th->final_system_us = -1;
  pthread_mutex_init(&th->lock, NULL);
  th->listeners = malloc((size_t)t->cfg.listen_count * sizeof *th->listeners);
  if (!th->listeners) return ENOMEM;
  for (int i = 0; i < t->cfg.listen_count; i++) th->listeners[i] = -1;
  th->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (th->epfd < 0) return errno;
  th->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (th->wake_fd < 0) return errno;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &th->wake_fd};
  if (epoll_ctl(th->epfd, EPOLL_CTL_ADD, th->wake_fd, &ev) != 0) return errno;
  for (int i = 0; i < t->cfg.listen_count; i++) {
    int err = listener(&t->cfg.listen[i].addr, t->cfg.listen[i].len, t->cfg.threads > 1, &th->listeners[i]);
    if (err) return err;
  }
  set_listening(th, 1);
  return 0;
}

int pc_target_start(pc_target *t) {
  t->threads = calloc((size_t)t->cfg.threads, sizeof *t->threads);
  if (!t->threads) return ENOMEM;
  /* Nothing open yet in any thread: what pc_target_free must not close. */
  for (int k = 0; k < t->cfg.threads; k++) t->threads[k].epfd = t->threads[k].wake_fd = -1;
  /* Every thread's listeners first, so a bind that fails (EADDRINUSE) fails the start, not a thread. */
  for (int k = 0; k < t->cfg.threads; k++) {
    int err = prepare_thread(t, &t->threads[k], k);
    if (err) return err;
  }
  for (int k = 0; k < t->cfg.threads; k++) {
    int err = pthread_create(&t->threads[k].thread, NULL, run, &t->threads[k]);
    if (err) return err;
    t->threads[k].started = 1;
  }
  return 0;
}

void pc_target_stop(pc_target *t) {
  if (t->stopped || !t->threads) return;
  atomic_store(&t->stop_requested, 1);
  uint64_t one = 1;
  for (int k = 0; k < t->cfg.threads; k++)
    if (t->threads[k].wake_fd >= 0 && write(t->threads[k].wake_fd, &one, sizeof one) < 0) {
      /* the counter is full: the thread is being woken already */
    }
  for (int k = 0; k < t->cfg.threads; k++) {
    pc_target_thread *th = &t->threads[k];
    if (th->started) pthread_join(th->thread, NULL);
    th->started = 0;
    for (int i = 0; th->listeners && i < t->cfg.listen_count; i++)
      if (th->listeners[i] >= 0) close(th->listeners[i]);
    if (th->listeners) memset(th->listeners, 0xff, (size_t)t->cfg.listen_count * sizeof *th->listeners);
  }
  t->stopped = 1;
}

void pc_target_free(pc_target *t) {
  pc_target_stop(t);
  for (int k = 0; t->threads && k < t->cfg.threads; k++) {
    pc_target_thread *th = &t->threads[k];
    /* A thread that never ran still holds its open connections (none) and its free list. */
    while (th->open_conns) pc_tconn_close(th, th->open_conns);
    while (th->free_conns) {
      pc_tconn *c = th->free_conns;
      th->free_conns = c->open_next;
      free(c);
    }
    if (th->epfd >= 0) close(th->epfd);
    if (th->wake_fd >= 0) close(th->wake_fd);
    free(th->listeners);
    pc_count_table_free(&th->by_remote);
    pc_count_table_free(&th->by_local);
    if (th->cfg) pthread_mutex_destroy(&th->lock);
  }
  free(t->threads);
  free(t->cfg.listen);
  free(t->cfg.response_keep);
  free(t->cfg.response_close);
  free(t->cfg.response_raw);
  free(t);
}
