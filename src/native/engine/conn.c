/*
 * One attempt on one slot: socket, the port mode's bind, connect, the request, the response,
 * the close policy. Each event is a short handler; the slot holds the attempt's whole state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "engine/loop.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51
#endif

void pc_emit(pc_loop *loop, const pc_record *rec) {
  pthread_mutex_lock(&loop->lock);
  if (loop->out_len == loop->out_cap) {
    /* Grows by doubling, so appending is amortised O(1); drain hands the array over whole. */
    size_t cap = loop->out_cap ? loop->out_cap * 2 : 4096;
    pc_record *grown = realloc(loop->out, cap * sizeof *grown);
    if (!grown) {
      /* Out of memory: the attempt was counted but its record cannot be kept. The run goes on,
         and drain reports the count, so no figure silently leaves it out. */
      atomic_fetch_add(&loop->lost_records, 1);
      pthread_mutex_unlock(&loop->lock);
      return;
    }
    loop->out = grown;
    loop->out_cap = cap;
  }
  loop->out[loop->out_len++] = *rec;
  pthread_mutex_unlock(&loop->lock);
}

static void release(pc_loop *loop, pc_slot *slot) {
  if (slot->fd >= 0) close(slot->fd);
  slot->fd = -1;
  slot->state = SLOT_FREE;
  /* Taken again only by the next launch, after this epoll batch: a stale event of the old
     connection in the batch finds the slot FREE and is ignored. */
  loop->free_slots[loop->free_count++] = (int)(slot - loop->slots);
  loop->in_flight--;
}

/*
 * The SYNs this connect retransmitted. Before the handshake completes every retransmit is a SYN's
 * (tcp_retransmit_timer -> tcp_retransmit_skb counts each in total_retrans), so read at the
 * connect's end it is the SYN retransmits alone: a NAT that found no mapping dropped the SYN and
 * the client's backoff (resends at 1, 3, 7 s; from Linux 6.7, tcp_syn_linear_timeouts: 1, 2, 3, 4, 5, 7 s) shows here. -1 when the kernel
 * would not say.
 */
static int32_t syn_retransmits(int fd) {
  struct tcp_info info;
  socklen_t len = sizeof info;
  memset(&info, 0, sizeof info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
      len < offsetof(struct tcp_info, tcpi_total_retrans) + sizeof info.tcpi_total_retrans)
    return -1;
  return (int32_t)info.tcpi_total_retrans;
}

void pc_conn_end(pc_loop *loop, pc_slot *slot, int32_t code) {
  /* Ended before its connect did (a timeout while the NAT drops its SYNs, a refusal): its SYNs. */
  if (slot->state == SLOT_CONNECTING && slot->fd >= 0) slot->rec.syn_retrans = syn_retransmits(slot->fd);
  slot->rec.code = code;
  slot->rec.at_ms = pc_now_ms();
  release(loop, slot);
  pc_emit(loop, &slot->rec);
}

/* The attempt is over as planned: the response was complete (code 0; its status goes with it). */
static void finish(pc_loop *loop, pc_slot *slot) {
  slot->rec.code = PC_OK;
  slot->rec.at_ms = slot->rec.done_ms;
  release(loop, slot);
  pc_emit(loop, &slot->rec);
}

/* Keepalive: the attempt is over and its connection waits, open, for the next request. */
static void park(pc_loop *loop, pc_slot *slot) {
  slot->rec.code = PC_OK;
  slot->rec.at_ms = slot->rec.done_ms;
  slot->state = SLOT_IDLE;
  loop->free_slots[loop->free_count++] = (int)(slot - loop->slots);
  loop->in_flight--;
  pc_emit(loop, &slot->rec);
}

int pc_conn_busy(const pc_slot *slot) {
  return slot->state != SLOT_FREE && slot->state != SLOT_IDLE;
}

void pc_conn_close_idle(pc_slot *slot) {
  if (slot->state != SLOT_IDLE) return;
  close(slot->fd);
  slot->fd = -1;
  slot->state = SLOT_FREE;
}

static void response_complete(pc_loop *loop, pc_slot *slot) {
  slot->rec.done_ms = pc_now_ms();
  if (loop->cfg.http) slot->rec.status = slot->framer.status;
  slot->complete = 1;
  switch (loop->cfg.close) {
    case PC_CLOSE_KEEPALIVE:
      /* The server may have asked to close (or spoken HTTP/1.0): then we close, as a client must. */
      if (loop->cfg.http && slot->reusable && pc_framer_reusable(&slot->framer))
        park(loop, slot);
      else
        finish(loop, slot);
      break;
    case PC_CLOSE_CLIENT:
      /* We send the first FIN: the TIME_WAIT (60 s on Linux) stays with our source port. */
      finish(loop, slot);
      break;
    case PC_CLOSE_RESET: {
      /* SO_LINGER {1, 0}, then close(): an RST, so neither side keeps a TIME_WAIT. Should the
         option fail, close() would send a FIN and leave a TIME_WAIT the run says it avoids:
         the attempt is counted as SOCKET_OPTION, not as a success of --close reset. */
      struct linger lg = {1, 0};
      if (setsockopt(slot->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0)
        pc_conn_end(loop, slot, PC_SOCKET_OPTION);
      else
        finish(loop, slot);
      break;
    }
    case PC_CLOSE_SERVER:
      /* Wait for the server's FIN: it closes first and keeps the TIME_WAIT. */
      slot->state = SLOT_DRAINING;
      break;
  }
}

/* The next explicit port of a source, skipping ports something listens on. */
static uint16_t next_explicit_port(const pc_config *cfg, pc_endpoint *src) {
  uint32_t span = (uint32_t)cfg->explicit_high - cfg->explicit_low + 1;
  for (uint32_t tries = 0; tries < span; tries++) {
    uint16_t port = src->next_port;
    src->next_port = port >= cfg->explicit_high ? cfg->explicit_low : (uint16_t)(port + 1);
    if (!cfg->skip_ports || !(cfg->skip_ports[port >> 3] & (1u << (port & 7)))) return port;
  }
  return cfg->explicit_low;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port) {
  if (ss->ss_family == AF_INET)
    ((struct sockaddr_in *)ss)->sin_port = htons(port);
  else
    ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/*
 * The port mode's options and bind(); returns 0, an errno from bind(), or PC_SOCKET_OPTION when
 * an option the port mode depends on could not be set (the attempt is then not made: without
 * it the run would measure another port path than the one it reports).
 */
/* Nanoseconds since `t0` on the load's clock, saturated below PC_NOT_CALLED. */
static uint32_t elapsed_ns(uint64_t t0) {
  uint64_t ns = pc_now_ns() - t0;
  return ns >= PC_NOT_CALLED ? PC_NOT_CALLED - 1 : (uint32_t)ns;
}

static int bind_source(pc_loop *loop, int fd, pc_endpoint *src, uint32_t *bind_ns) {
  const pc_config *cfg = &loop->cfg;
  int one = 1;
  struct sockaddr_storage addr = src->addr;
  switch (cfg->port_mode) {
    case PC_PORT_KERNEL:
      return 0;
    case PC_PORT_BIND:
      /* As libuv does for Node's localAddress, so both engines measure the same path. */
      if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return PC_SOCKET_OPTION;
      set_port(&addr, 0);
      break;
    case PC_PORT_NOBIND:
      /*
       * The address is fixed now and the port left to connect(), which picks it over the whole
       * 4-tuple (as nginx's proxy_bind, HAProxy's source and neper -L do). Without this option
       * bind(addr, 0) reserves the port towards every destination.
       */
      if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one) != 0) return PC_SOCKET_OPTION;
      set_port(&addr, 0);
      break;
    case PC_PORT_EXPLICIT:
      /* SO_REUSEADDR lets bind() take a port whose last connection sits in TIME_WAIT here. */
      if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return PC_SOCKET_OPTION;
      set_port(&addr, next_explicit_port(cfg, src));
      break;
  }
  /* Timed alone: with bind and explicit ports the kernel's port search happens in here. */
  uint64_t t0 = cfg->time_calls ? pc_now_ns() : 0;
  int failed = bind(fd, (struct sockaddr *)&addr, src->len) != 0;
  int err = errno;
  if (cfg->time_calls) *bind_ns = elapsed_ns(t0);
  return failed ? err : 0;
}

static void on_writable(pc_loop *loop, pc_slot *slot);

void pc_conn_open(pc_loop *loop, pc_slot *slot, double intended_ms) {
  const pc_config *cfg = &loop->cfg;
  double now = pc_now_ms();
  loop->attempts++;
  loop->in_flight++;
  slot->rec = (pc_record){.intended_ms = isnan(intended_ms) ? now : intended_ms,
                          .start_ms = now,
                          .connected_ms = NAN,
                          .first_byte_ms = NAN,
                          .done_ms = NAN,
                          .at_ms = NAN,
                          .code = 0,
                          .status = 0,
                          .source_index = -1,
                          .bind_ns = PC_NOT_CALLED,
                          .connect_ns = PC_NOT_CALLED,
                          .syn_retrans = -1};
  slot->written = 0;
  slot->received = 0;
  slot->complete = 0;
  if (cfg->http) pc_framer_reset(&slot->framer, cfg->head_request);
  if (slot->state == SLOT_IDLE) {
    /* Keepalive: the next request on the kept connection (no connect, so no connected time). */
    slot->rec.source_index = slot->source_index;
    slot->state = SLOT_WRITING;
    /* Edge-triggered: no new EPOLLOUT comes for a socket that was writable all along. */
    on_writable(loop, slot);
    return;
  }
  slot->fd = -1;
  slot->reusable = 1;
  slot->source_index = -1;
  /* Every (source, destination) pair in turn: the sources cycle, and the destination moves on
   * each time they come round. Two cursors stepping together would tie source i to destination i
   * whenever the counts share a factor (2 sources and 2 destinations: 2 of the 4 pairs, and half
   * the 4-tuple space the run claims). */
  pc_endpoint *src = NULL;
  int came_round = 1;
  if (cfg->source_count > 0) {
    src = &cfg->sources[loop->next_source];
    slot->source_index = loop->next_source;
    slot->rec.source_index = loop->next_source;
    loop->next_source = (loop->next_source + 1) % cfg->source_count;
    came_round = loop->next_source == 0;
  }
  const pc_endpoint *dst = &cfg->destinations[loop->next_destination];
  if (came_round) loop->next_destination = (loop->next_destination + 1) % cfg->destination_count;

  int fd = socket(dst->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    pc_conn_end(loop, slot, errno);
    return;
  }
  slot->fd = fd;
  /* Without the range the kernel would pick from ip_local_port_range: another run than the one asked for. */
  if (cfg->socket_port_range != 0 &&
      setsockopt(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &cfg->socket_port_range, sizeof cfg->socket_port_range) != 0) {
    pc_conn_end(loop, slot, PC_SOCKET_OPTION);
    return;
  }
  if (src) {
    int err = bind_source(loop, fd, src, &slot->rec.bind_ns);
    if (err) {
      pc_conn_end(loop, slot, err);
      return;
    }
  }
  /* Timed alone: for the kernel and nobind paths the port search (__inet_hash_connect) runs inside
     this call, so its time is the search's cost, connection by connection. */
  uint64_t t0 = cfg->time_calls ? pc_now_ns() : 0;
  int connect_failed = connect(fd, (const struct sockaddr *)&dst->addr, dst->len) != 0 && errno != EINPROGRESS;
  int connect_errno = errno;
  if (cfg->time_calls) slot->rec.connect_ns = elapsed_ns(t0);
  if (connect_failed) {
    /* EADDRNOTAVAIL here: no free 4-tuple for the kernel's (or nobind's) port choice. */
    pc_conn_end(loop, slot, connect_errno);
    return;
  }
  slot->state = SLOT_CONNECTING;
  /* Edge-triggered, both directions, registered once: one epoll_ctl per connection. */
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = slot};
  if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) pc_conn_end(loop, slot, errno);
}

static void on_writable(pc_loop *loop, pc_slot *slot) {
  const pc_config *cfg = &loop->cfg;
  while (slot->written < cfg->request_len) {
    ssize_t n = send(slot->fd, cfg->request + slot->written, cfg->request_len - slot->written, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      pc_conn_end(loop, slot, errno);
      return;
    }
    slot->written += (size_t)n;
  }
  slot->state = SLOT_READING;
  /* Raw TCP with nothing to read: the attempt is done once the payload is sent. */
  if (!cfg->http && cfg->expect_bytes == 0) response_complete(loop, slot);
}

/* Reads until EAGAIN (edge-triggered); frames what arrives; handles EOF. */
static void on_readable(pc_loop *loop, pc_slot *slot) {
  const pc_config *cfg = &loop->cfg;
  char buf[16384];
  for (;;) {
    ssize_t n = recv(slot->fd, buf, sizeof buf, 0);
    if (n > 0) {
      if (isnan(slot->rec.first_byte_ms)) slot->rec.first_byte_ms = pc_now_ms();
      if (slot->complete) continue; /* server close: anything after the response is discarded */
      if (slot->state != SLOT_READING) continue;
      if (cfg->http) {
        size_t used;
        pc_frame_state st = pc_framer_feed(&slot->framer, buf, (size_t)n, &used);
        if (st == PC_FRAME_ERROR) {
          pc_conn_end(loop, slot, PC_BAD_RESPONSE);
          return;
        }
        if (st == PC_FRAME_DONE) {
          /* Bytes after the response were not asked for: this connection is not used again. */
          if (used < (size_t)n) slot->reusable = 0;
          response_complete(loop, slot);
          if (!pc_conn_busy(slot)) return;
        }
      } else {
        slot->received += n;
        if (slot->received >= cfg->expect_bytes) {
          response_complete(loop, slot);
          if (!pc_conn_busy(slot)) return;
        }
      }
    } else if (n == 0) {
      if (!slot->complete) {
        if (cfg->http && slot->state == SLOT_READING && pc_framer_eof(&slot->framer) == PC_FRAME_DONE) {
          response_complete(loop, slot);
          if (!pc_conn_busy(slot)) return;
        } else {
          pc_conn_end(loop, slot, PC_CLOSED_EARLY);
          return;
        }
      }
      finish(loop, slot); /* the server's FIN after a complete response */
      return;
    } else {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      /* After a complete response an error while closing changes nothing that was measured. */
      if (slot->complete)
        finish(loop, slot);
      else
        pc_conn_end(loop, slot, errno);
      return;
    }
  }
}

/*
 * An event on a kept connection between requests. Edge-triggered epoll may report readiness for
 * bytes already read, so peek: only an EOF, an error or unasked-for bytes end the connection
 * (the server's keepalive timeout, say); it is not an attempt, so nothing is recorded.
 */
static void on_idle_event(pc_slot *slot) {
  char byte;
  ssize_t n = recv(slot->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
  pc_conn_close_idle(slot); /* stays on the free stack, now without a connection */
}

void pc_conn_event(pc_loop *loop, pc_slot *slot, uint32_t events) {
  if (slot->state == SLOT_IDLE) {
    on_idle_event(slot);
    return;
  }
  if (slot->state == SLOT_CONNECTING) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(slot->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err) {
      pc_conn_end(loop, slot, err);
      return;
    }
    if (!(events & (EPOLLOUT | EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    slot->rec.connected_ms = pc_now_ms();
    slot->rec.syn_retrans = syn_retransmits(slot->fd);
    slot->state = SLOT_WRITING;
  }
  if (slot->state == SLOT_WRITING) {
    on_writable(loop, slot);
    if (!pc_conn_busy(slot) || slot->state == SLOT_WRITING) return;
  }
  if (slot->state == SLOT_READING || slot->state == SLOT_DRAINING) on_readable(loop, slot);
}
