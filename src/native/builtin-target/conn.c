/*
 * One accepted connection of the built-in target: read a request (request.c), wait out the
 * delay, write the prepared response, then close first (`server`: the target keeps the TIME_WAIT)
 * or keep the connection until the client's FIN or its next request (`client`: the client's
 * close comes first, even when it asked the target to close, as an upstream behind nginx needs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "builtin-target/target.h"
#include "builtin-target/timers.h"
#include "builtin-target/counts.h"
#include "builtin-target/conn.h"

/* HEAD: reading a request; DELAY: waiting to answer; WRITING: the answer going out; IDLE: kept,
   waiting for the next request or the client's FIN; LINGER (tcp, server closes first): the
   target's FIN sent, reading what the client still sends until its FIN. */
enum { TC_HEAD, TC_DELAY, TC_WRITING, TC_IDLE, TC_LINGER };

/* What a refused request gets before the connection closes (best effort: one send, never waited for). */
static const char BAD_REQUEST[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

static void unlink_open(pc_target_thread *th, pc_tconn *c) {
  if (c->open_prev)
    c->open_prev->open_next = c->open_next;
  else
    th->open_conns = c->open_next;
  if (c->open_next) c->open_next->open_prev = c->open_prev;
}

static void unready(pc_target_thread *th, pc_tconn *c) {
  if (!c->ready) return;
  if (c->ready_prev)
    c->ready_prev->ready_next = c->ready_next;
  else
    th->ready_head = c->ready_next;
  if (c->ready_next)
    c->ready_next->ready_prev = c->ready_prev;
  else
    th->ready_tail = c->ready_prev;
  c->ready = 0;
  c->ready_prev = c->ready_next = NULL;
  th->ready_count--;
}

/* Serves `c` after this round of events (see the thread's ready list). */
static void defer(pc_target_thread *th, pc_tconn *c) {
  if (c->ready) return;
  c->ready = 1;
  c->ready_next = NULL;
  c->ready_prev = th->ready_tail;
  if (th->ready_tail)
    th->ready_tail->ready_next = c;
  else
    th->ready_head = c;
  th->ready_tail = c;
  th->ready_count++;
}

void pc_tconn_close(pc_target_thread *th, pc_tconn *c) {
  unready(th, c);
  pc_count_ended(th, c);
  pc_timer_remove(th, c);
  unlink_open(th, c);
  /* close() removes it from the epoll set too. With nothing unread this sends a FIN. */
  close(c->fd);
  free(c->owned_out);
  c->owned_out = NULL;
  free(c->pending);
  c->pending = NULL;
  c->pending_len = 0;
  c->open_next = th->free_conns;
  th->free_conns = c;
}

/* Registers the connection for events, once: edge-triggered, both directions and the peer's FIN. */
static int watch(pc_target_thread *th, pc_tconn *c) {
  if (c->registered) return 0;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
  if (epoll_ctl(th->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) return -1;
  c->registered = 1;
  return 0;
}

static void refuse(pc_target_thread *th, pc_tconn *c, pc_request_state why) {
  pthread_mutex_lock(&th->lock);
  if (why == PC_REQUEST_TOO_LONG)
    th->refused.too_long++;
  else
    th->refused.malformed++;
  pthread_mutex_unlock(&th->lock);
  if (send(c->fd, BAD_REQUEST, sizeof BAD_REQUEST - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
    /* the client is gone or its buffer full: it is closed either way */
  }
  pc_tconn_close(th, c);
}

static void on_readable(pc_target_thread *th, pc_tconn *c);
static void next_pending(pc_target_thread *th, pc_tconn *c);

/* Writes what is left of the response; once it is out, closes first or waits for the next request. */
static void write_out(pc_target_thread *th, pc_tconn *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        /* EPOLLOUT comes when there is room. A client that stopped reading never makes room: the
           response must move within the idle timeout (re-armed each time it does), or the
           connection is closed and counted (refused.writeTimeout), never held for ever. */
        pc_timer_add(th, c, PC_TIMER_WRITE, pc_now_ms() + th->cfg->idle_timeout_ms);
        if (watch(th, c) != 0) pc_tconn_close(th, c);
        return;
      }
      pc_tconn_close(th, c);
      return;
    }
    c->out_off += (size_t)n;
  }
  free(c->owned_out);
  c->owned_out = NULL;
  pc_timer_remove(th, c); /* the write timer, if the response had to wait for room */
  if (c->close_after && th->cfg->protocol == PC_TPROTO_TCP) {
    /* tcp, `server`: the target's FIN first (so the TIME_WAIT stays here), but what the client
       still sends is read to its FIN: a close() with unread bytes would send an RST instead. */
    shutdown(c->fd, SHUT_WR);
    c->state = TC_LINGER;
    pc_timer_add(th, c, PC_TIMER_IDLE, pc_now_ms() + th->cfg->idle_timeout_ms);
    if (watch(th, c) != 0)
      pc_tconn_close(th, c);
    else
      on_readable(th, c);
    return;
  }
  if (c->close_after) {
    /* `server`: the target's FIN comes first and the TIME_WAIT stays here. The request was read
       whole, so nothing is left unread to turn the FIN into an RST. */
    pc_tconn_close(th, c);
    return;
  }
  c->state = TC_IDLE;
  pc_request_reset(&c->req);
  pc_timer_add(th, c, PC_TIMER_IDLE, pc_now_ms() + th->cfg->idle_timeout_ms);
  if (watch(th, c) != 0) {
    pc_tconn_close(th, c);
    return;
  }
  /* Edge-triggered, registered once: bytes or a FIN that arrive after the read that completed the
     request raise an event, and registering now reports what is already there. What may wait with
     no new edge to announce it: a pipelined request already read (pending), bytes past a read that
     filled the buffer or that came while the target was busy (maybe_more), and a FIN that came with
     the request (the event said EPOLLRDHUP, but the read stopped at the request's end). Those are
     served after this round of events; not reading otherwise saves a recv() that would find
     nothing on most connections. */
  if (c->pending || c->maybe_more || c->peer_closed || th->cfg->protocol == PC_TPROTO_TCP) defer(th, c);
}

int pc_tconn_run_ready(pc_target_thread *th) {
  /* Only those queued before this round: one that is queued again waits for the next. */
  for (size_t n = th->ready_count; n > 0 && th->ready_head; n--) {
    pc_tconn *c = th->ready_head;
    unready(th, c);
    if (c->state != TC_IDLE) continue;
    if (c->pending)
      next_pending(th, c);
    else
      on_readable(th, c);
  }
  return th->ready_head != NULL;
}

static void respond(pc_target_thread *th, pc_tconn *c) {
  const pc_target_config *cfg = th->cfg;
  pc_timer_remove(th, c);
  c->state = TC_WRITING;
  c->out_off = 0;
  /* `client`: never close first, even when asked to (HTTP/1.0, Connection: close). */
  c->close_after = cfg->close == PC_TCLOSE_SERVER || c->pipelined;
  if (c->req.stats) {
    size_t len = 0;
    char *json = pc_target_stats_json(th->target, &len);
    const char *head = c->close_after ? "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
                                      : "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\nContent-Length: ";
    size_t head_len = strlen(head);
    c->owned_out = json ? malloc(head_len + 24 + len) : NULL;
    if (!c->owned_out) {
      free(json);
      pc_tconn_close(th, c);
      return;
    }
    memcpy(c->owned_out, head, head_len);
    int n = snprintf(c->owned_out + head_len, 24, "%zu\r\n\r\n", len);
    memcpy(c->owned_out + head_len + (size_t)n, json, len);
    free(json);
    c->out = c->owned_out;
    c->out_len = head_len + (size_t)n + len;
  } else if (c->close_after) {
    c->out = cfg->response_close;
    c->out_len = cfg->response_close_len;
  } else {
    c->out = cfg->response_keep;
    c->out_len = cfg->response_keep_len;
  }
  write_out(th, c);
}

/* The whole request is in: count it, then answer now or after the delay. */
static void request_done(pc_target_thread *th, pc_tconn *c) {
  if (!c->req.stats) pc_count_request(th, c);
  if (th->cfg->delay_ms > 0) {
    c->state = TC_DELAY;
    pc_timer_add(th, c, PC_TIMER_DELAY, pc_now_ms() + th->cfg->delay_ms);
    return;
  }
  respond(th, c);
}

/* tcp: what the client sends is read and dropped; its FIN ends the connection. */
static void discard(pc_target_thread *th, pc_tconn *c) {
  char buf[16384];
  for (;;) {
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (watch(th, c) != 0) pc_tconn_close(th, c);
      return;
    }
    pc_tconn_close(th, c); /* the client's FIN, or an error */
    return;
  }
}

/*
 * Bytes a read brought past the request being answered: the next pipelined requests (wrk's
 * pipeline script, TechEmpower's plaintext at depth 16). With `client` close they are kept and
 * answered in order once this response is out, as nginx does; with `server` close the target
 * closes after this response, so they are not answered (a client that pipelines to a server that
 * closes resends them). Out of memory: the same as `server`, the connection ends after this one.
 */
static void keep_pipelined(pc_target_thread *th, pc_tconn *c, const char *rest, size_t len) {
  if (th->cfg->close == PC_TCLOSE_SERVER) {
    c->pipelined = 1;
    return;
  }
  char *kept = malloc(len);
  if (!kept) {
    c->pipelined = 1;
    return;
  }
  memcpy(kept, rest, len);
  free(c->pending);
  c->pending = kept;
  c->pending_len = len;
}

/* The response is out and the connection idle: parse the kept bytes as the next request. */
static void next_pending(pc_target_thread *th, pc_tconn *c) {
  char *data = c->pending;
  size_t len = c->pending_len;
  c->pending = NULL;
  c->pending_len = 0;
  c->state = TC_HEAD;
  pc_timer_add(th, c, PC_TIMER_HEAD, pc_now_ms() + th->cfg->head_timeout_ms);
  size_t used = 0;
  pc_request_state st = pc_request_feed(&c->req, data, len, &used);
  if (st == PC_REQUEST_TOO_LONG || st == PC_REQUEST_MALFORMED) {
    free(data);
    refuse(th, c, st);
    return;
  }
  if (st == PC_REQUEST_DONE) {
    if (used < len) {
      /* Still more: keep the rest (a shorter copy; the request it follows is answered first). */
      memmove(data, data + used, len - used);
      c->pending = data;
      c->pending_len = len - used;
    } else {
      free(data);
    }
    request_done(th, c);
    return;
  }
  /* A request begun but not whole: the rest is in the socket (or on its way). */
  free(data);
  c->maybe_more = 1;
  on_readable(th, c);
}

/* Reads until the request is complete, EAGAIN, the client's FIN or an error. */
static void on_readable(pc_target_thread *th, pc_tconn *c) {
  char buf[PC_TCONN_READ];
  if (th->cfg->protocol == PC_TPROTO_TCP) {
    if (c->state == TC_IDLE || c->state == TC_LINGER) discard(th, c);
    return;
  }
  for (;;) {
    if (c->state != TC_HEAD && c->state != TC_IDLE) return; /* one request at a time; the rest waits in the socket */
    c->maybe_more = 0;                                      /* reading now: what waits is found here */
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n == 0) {
      /* The client's FIN: between requests it is the client closing first; within a request it gave up. */
      pc_tconn_close(th, c);
      return;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (watch(th, c) != 0) pc_tconn_close(th, c);
        return;
      }
      if (errno == EINTR) continue;
      pc_tconn_close(th, c);
      return;
    }
    if (c->state == TC_IDLE) {
      /* The next request on a kept connection: its head has the head timeout again. */
      c->state = TC_HEAD;
      pc_timer_add(th, c, PC_TIMER_HEAD, pc_now_ms() + th->cfg->head_timeout_ms);
    }
    size_t used = 0;
    pc_request_state st = pc_request_feed(&c->req, buf, (size_t)n, &used);
    if (st == PC_REQUEST_TOO_LONG || st == PC_REQUEST_MALFORMED) {
      refuse(th, c, st);
      return;
    }
    if (st == PC_REQUEST_DONE) {
      c->maybe_more = (size_t)n == sizeof buf;
      if (used < (size_t)n) keep_pipelined(th, c, buf + used, (size_t)n - used);
      request_done(th, c);
      return;
    }
  }
}

void pc_tconn_accepted(pc_target_thread *th, int fd, const struct sockaddr_storage *peer, const struct sockaddr_storage *self) {
  pc_tconn *c = th->free_conns;
  if (c) {
    th->free_conns = c->open_next;
  } else {
    c = malloc(sizeof *c);
    if (!c) {
      close(fd);
      pthread_mutex_lock(&th->lock);
      th->refused.accept_errors++;
      pthread_mutex_unlock(&th->lock);
      return;
    }
  }
  memset(c, 0, offsetof(pc_tconn, req));
  c->fd = fd;
  c->timer = -1;
  c->state = TC_HEAD;
  pc_request_reset(&c->req);
  c->open_next = th->open_conns;
  if (th->open_conns) th->open_conns->open_prev = c;
  th->open_conns = c;
  pc_count_connection(th, c, peer, self);
  if (th->cfg->protocol == PC_TPROTO_TCP) {
    /* tcp: the greeting goes out at once, counted as the connection's one request. */
    pc_count_request(th, c);
    c->state = TC_WRITING;
    c->close_after = th->cfg->close == PC_TCLOSE_SERVER;
    c->out = th->cfg->response_raw;
    c->out_len = th->cfg->response_raw_len;
    write_out(th, c);
    return;
  }
  pc_timer_add(th, c, PC_TIMER_HEAD, pc_now_ms() + th->cfg->head_timeout_ms);
  /* On loopback the request is usually there already: read before registering, and a
     connection the target closes first (`server`) may never need epoll_ctl at all. */
  on_readable(th, c);
}

void pc_tconn_event(pc_target_thread *th, pc_tconn *c, uint32_t events) {
  if (events & (EPOLLRDHUP | EPOLLHUP)) c->peer_closed = 1;
  /* Edge-triggered: bytes that arrive while the target delays or writes raise their one edge now.
     Remember it, so the next request is read as soon as this response is out, not at the idle timeout. */
  if ((events & EPOLLIN) && (c->state == TC_DELAY || c->state == TC_WRITING)) c->maybe_more = 1;
  if (c->state == TC_WRITING && (events & EPOLLOUT)) {
    write_out(th, c);
    return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(th, c);
}

void pc_tconn_timer(pc_target_thread *th, pc_tconn *c, int kind) {
  switch (kind) {
    case PC_TIMER_DELAY:
      respond(th, c);
      break;
    case PC_TIMER_WRITE:
      pthread_mutex_lock(&th->lock);
      th->refused.write_timeout++;
      pthread_mutex_unlock(&th->lock);
      pc_tconn_close(th, c);
      break;
    case PC_TIMER_HEAD:
      pthread_mutex_lock(&th->lock);
      th->refused.head_timeout++;
      pthread_mutex_unlock(&th->lock);
      pc_tconn_close(th, c);
      break;
    default: /* PC_TIMER_IDLE: a kept connection nobody used; the target closes it */
      pc_tconn_close(th, c);
      break;
  }
}
