/*
 * The generator thread: launches attempts (closed loop: keep `connections` in flight; open loop:
 * attempt i is due at start + i / rate, from its index, so the schedule never drifts), waits on
 * epoll, hands each event to its slot, times out what overstays, and stops by itself at its
 * deadline or attempt count. A stop request from JavaScript ends launching; in-flight attempts
 * get the grace period, then end as ABORTED.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/clock.h"
#include "engine/loop.h"

#define MAX_EVENTS 256
/* How often in-flight attempts are checked against --timeout, and the stop flag read. */
#define SCAN_MS 10.0

static int may_launch(const pc_loop *loop) {
  /* max_attempts is PC_NO_BOUND (+inf) or a whole number below 2^53, so the comparison is exact. */
  return (double)loop->attempts < loop->cfg.max_attempts;
}

static pc_slot *free_slot(pc_loop *loop) {
  return loop->free_count > 0 ? &loop->slots[loop->free_slots[--loop->free_count]] : NULL;
}

static void abort_all(pc_loop *loop) {
  for (int i = 0; i < loop->cfg.connections; i++)
    if (pc_conn_busy(&loop->slots[i])) pc_conn_end(loop, &loop->slots[i], PC_ABORTED);
}

static void time_out(pc_loop *loop, double now) {
  for (int i = 0; i < loop->cfg.connections; i++) {
    pc_slot *s = &loop->slots[i];
    if (pc_conn_busy(s) && now - s->rec.start_ms >= loop->cfg.timeout_ms) pc_conn_end(loop, s, PC_TIMEOUT);
  }
}

/* Launches what is due now (open loop: and before `before`); returns when the next launch is
   due (+inf: on a completion). */
static double launch(pc_loop *loop, double now, double before) {
  const pc_config *cfg = &loop->cfg;
  /* At most one round of slots per call: attempts that fail at once (EADDRNOTAVAIL) must not
     keep the loop from its clock, its events and its deadline. */
  for (int n = 0; n < cfg->connections && may_launch(loop) && loop->in_flight < cfg->connections; n++) {
    double intended = NAN;
    if (cfg->open_loop) {
      intended = cfg->start_ms + (double)loop->attempts / cfg->rate_per_ms;
      if (intended > now || intended >= before) return intended;
    }
    pc_slot *slot = free_slot(loop);
    if (!slot) break;
    pc_conn_open(loop, slot, intended);
  }
  if (cfg->open_loop && may_launch(loop) && loop->in_flight < cfg->connections)
    return cfg->start_ms + (double)loop->attempts / cfg->rate_per_ms;
  return INFINITY;
}

static void *run(void *arg) {
  pc_loop *loop = arg;
  const pc_config *cfg = &loop->cfg;
  struct epoll_event events[MAX_EVENTS];
  int stopping = 0;
  double grace_end = INFINITY;
  double next_scan = pc_now_ms() + SCAN_MS;
  for (;;) {
    double now = pc_now_ms();
    /* epoll_wait counts whole milliseconds: the wake-up for a slot due just before the deadline
       can come after it. Those slots are still this load's (rate x duration attempts); the ones
       due at or after the deadline are not. */
    if (!stopping && cfg->open_loop && now >= cfg->deadline_ms && !atomic_load(&loop->stop_requested)) launch(loop, now, cfg->deadline_ms);
    if (!stopping && (atomic_load(&loop->stop_requested) || now >= cfg->deadline_ms || !may_launch(loop))) stopping = 1;
    /* Only a stop request cuts in-flight attempts short; at the deadline they finish (or time out). */
    if (isinf(grace_end) && atomic_load(&loop->stop_requested)) grace_end = now + cfg->grace_ms;
    if (stopping && loop->in_flight == 0) break;
    if (stopping && now >= grace_end) {
      abort_all(loop);
      continue;
    }
    double next_launch = stopping ? INFINITY : launch(loop, now, cfg->deadline_ms);
    now = pc_now_ms();
    double wake = next_scan;
    if (next_launch < wake) wake = next_launch;
    if (!stopping && cfg->deadline_ms < wake) wake = cfg->deadline_ms;
    if (grace_end < wake) wake = grace_end;
    int timeout = wake <= now ? 0 : (int)ceil(wake - now);
    /* A closed loop with free slots launches again at once. */
    if (!stopping && !cfg->open_loop && loop->in_flight < cfg->connections && may_launch(loop)) timeout = 0;
    int n = epoll_wait(loop->epfd, events, MAX_EVENTS, timeout);
    if (n < 0 && errno != EINTR) {
      loop->failed_errno = errno;
      abort_all(loop);
      break;
    }
    for (int i = 0; i < n; i++) pc_conn_event(loop, events[i].data.ptr, events[i].events);
    now = pc_now_ms();
    if (now >= next_scan) {
      time_out(loop, now);
      next_scan = now + SCAN_MS;
    }
  }
  for (int i = 0; i < cfg->connections; i++) pc_conn_close_idle(&loop->slots[i]);
  loop->end_ms = pc_now_ms();
  atomic_store(&loop->finished, 1);
  return NULL;
}

pc_loop *pc_loop_new(void) {
  pc_loop *loop = calloc(1, sizeof *loop);
  if (!loop) return NULL;
  loop->epfd = -1;
  pthread_mutex_init(&loop->lock, NULL);
  atomic_init(&loop->stop_requested, 0);
  atomic_init(&loop->finished, 0);
  atomic_init(&loop->lost_records, 0);
  return loop;
}

int pc_loop_start(pc_loop *loop) {
  loop->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (loop->epfd < 0) return errno;
  loop->slots = calloc((size_t)loop->cfg.connections, sizeof *loop->slots);
  loop->free_slots = calloc((size_t)loop->cfg.connections, sizeof *loop->free_slots);
  if (!loop->slots || !loop->free_slots) return ENOMEM;
  for (int i = loop->cfg.connections - 1; i >= 0; i--) {
    loop->slots[i].fd = -1;
    loop->free_slots[loop->free_count++] = i;
  }
  int err = pthread_create(&loop->thread, NULL, run, loop);
  if (err) return err;
  loop->started = 1;
  return 0;
}

void pc_loop_request_stop(pc_loop *loop) {
  atomic_store(&loop->stop_requested, 1);
}

void pc_loop_join(pc_loop *loop) {
  if (loop->started) pthread_join(loop->thread, NULL);
  loop->started = 0;
}

size_t pc_loop_pending(pc_loop *loop) {
  pthread_mutex_lock(&loop->lock);
  size_t n = loop->out_len;
  pthread_mutex_unlock(&loop->lock);
  return n;
}

size_t pc_loop_take(pc_loop *loop, pc_record *dst, size_t max) {
  pthread_mutex_lock(&loop->lock);
  size_t n = loop->out_len < max ? loop->out_len : max;
  if (n > 0) {
    memcpy(dst, loop->out, n * sizeof *dst);
    /* Records that came after the caller counted stay, oldest first, for the next drain. */
    memmove(loop->out, loop->out + n, (loop->out_len - n) * sizeof *dst);
    loop->out_len -= n;
  }
  pthread_mutex_unlock(&loop->lock);
  return n;
}

void pc_loop_free(pc_loop *loop) {
  pc_loop_join(loop);
  if (loop->epfd >= 0) close(loop->epfd);
  free(loop->slots);
  free(loop->free_slots);
  free(loop->out);
  free(loop->cfg.destinations);
  free(loop->cfg.sources);
  free(loop->cfg.skip_ports);
  free(loop->cfg.request);
  pthread_mutex_destroy(&loop->lock);
  free(loop);
}
