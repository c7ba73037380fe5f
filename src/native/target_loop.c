/*
 * The target's threads: each binds its own listener on every listen address with SO_REUSEPORT
 * (the kernel hashes each new connection to one of them, so no thread wakes for another's),
 * accepts, and runs its connections' events and deadlines on one epoll set. stop() wakes every
 * thread through an eventfd; each closes what it holds and records its CPU time as it ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

#include "clock.h"
#include "target.h"

#define MAX_EVENTS 256
/* Connections accepted from one listener per wake-up, so that one busy listener cannot starve the rest. */
#define ACCEPT_BATCH 64
/* After EMFILE or ENFILE: how long the listeners rest before accepting again (their queue holds the clients). */
#define ACCEPT_PAUSE_MS 100.0
/* A deep accept queue: a churn load bursts SYNs (the kernel caps it at net.core.somaxconn). */
#define BACKLOG 4096

void pc_timer_remove(pc_target_thread *th, pc_tconn *c) {
  if (c->timer < 0) return;
  pc_timer_list *list = &th->timers[c->timer];
  if (c->prev)
    c->prev->next = c->next;
  else
    list->head = c->next;
  if (c->next)
    c->next->prev = c->prev;
  else
    list->tail = c->prev;
  c->prev = c->next = NULL;
  c->timer = -1;
}

void pc_timer_add(pc_target_thread *th, pc_tconn *c, int kind, double deadline_ms) {
  pc_timer_remove(th, c);
  /* Each kind has one delay, so a new deadline is never earlier than the tail's: the list stays in order. */
  pc_timer_list *list = &th->timers[kind];
  c->timer = kind;
  c->deadline_ms = deadline_ms;
  c->prev = list->tail;
  c->next = NULL;
  if (list->tail)
    list->tail->next = c;
  else
    list->head = c;
  list->tail = c;
}

/* Runs what came due; returns the next deadline (+inf: none). */
static double run_timers(pc_target_thread *th, double now) {
  double next = INFINITY;
  for (int kind = 0; kind < PC_TIMER_KINDS; kind++) {
    pc_tconn *c;
    while ((c = th->timers[kind].head) != NULL && c->deadline_ms <= now) {
      pc_timer_remove(th, c);
      pc_tconn_timer(th, c, kind);
    }
    if (th->timers[kind].head && th->timers[kind].head->deadline_ms < next) next = th->timers[kind].head->deadline_ms;
  }
  return next;
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

int pc_target_thread_cpu(pc_target_thread *th, double *user_ms, double *system_ms) {
  if (th->final_user_us >= 0) {
    *user_ms = th->final_user_us / 1000.0;
    *system_ms = th->final_system_us / 1000.0;
    return 0;
  }
  char path[64], text[1024];
  snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)th->tid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = 0;
  /* Field 2 (the name) may hold spaces: count from the last ')'. utime and stime are fields 14 and 15. */
  char *p = strrchr(text, ')');
  unsigned long long utime = 0, stime = 0;
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return -1;
  double ms_per_tick = 1000.0 / (double)sysconf(_SC_CLK_TCK);
  *user_ms = (double)utime * ms_per_tick;
  *system_ms = (double)stime * ms_per_tick;
  return 0;
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
