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

#include "clock.h"
#include "target.h"

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

void pc_tconn_close(pc_target_thread *th, pc_tconn *c) {
  pc_count_ended(th, c);
  pc_timer_remove(th, c);
  unlink_open(th, c);
  /* close() removes it from the epoll set too. With nothing unread this sends a FIN. */
  close(c->fd);
  free(c->owned_out);
  c->owned_out = NULL;
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

/* Writes what is left of the response; once it is out, closes first or waits for the next request. */
static void write_out(pc_target_thread *th, pc_tconn *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (watch(th, c) != 0) pc_tconn_close(th, c);
        return; /* EPOLLOUT comes when there is room */
      }
      pc_tconn_close(th, c);
      return;
    }
    c->out_off += (size_t)n;
  }
  free(c->owned_out);
  c->owned_out = NULL;
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
     no new edge to announce it: bytes past a read that filled the buffer, and a FIN that came with
     the request (the event said EPOLLRDHUP, but the read stopped at the request's end). Not reading
     otherwise saves a recv() that would find nothing on most connections. */
  if (c->maybe_more || c->peer_closed || th->cfg->protocol == PC_TPROTO_TCP) on_readable(th, c);
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

/* Reads until the request is complete, EAGAIN, the client's FIN or an error. */
static void on_readable(pc_target_thread *th, pc_tconn *c) {
  char buf[16384];
  if (th->cfg->protocol == PC_TPROTO_TCP) {
    if (c->state == TC_IDLE || c->state == TC_LINGER) discard(th, c);
    return;
  }
  for (;;) {
    if (c->state != TC_HEAD && c->state != TC_IDLE) return; /* one request at a time; the rest waits in the socket */
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
      /* Bytes past the request (a pipelined next one) are not read here: this target answers one
         request at a time, and a client of portchurn's never pipelines. They end the connection. */
      if (used < (size_t)n) c->pipelined = 1;
      c->maybe_more = (size_t)n == sizeof buf;
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
