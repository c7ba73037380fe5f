#define _GNU_SOURCE
#include "kernel/socket_dump.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel/sock_diag.h"

/* Appends one record; returns non-zero (stopping the dump) when memory runs out. */
static int append(const pc_diag_sock *s, void *arg) {
  pc_dump *d = arg;
  if (d->count == d->capacity) {
    size_t capacity = d->capacity ? d->capacity * 2 : 1024;
    pc_dump_record *grown = realloc(d->records, capacity * sizeof *grown);
    if (!grown) {
      d->out_of_memory = 1;
      return 1;
    }
    d->records = grown;
    d->capacity = capacity;
  }
  pc_dump_record *r = &d->records[d->count];
  /* Zeroed whole, padding included: every byte handed to JavaScript is defined. */
  memset(r, 0, sizeof *r);
  r->family = s->family == AF_INET ? 4 : 6;
  r->state = s->state;
  r->source_port = s->sport;
  r->destination_port = s->dport;
  r->timer_ms = s->expires_ms;
  r->cookie = s->cookie;
  memcpy(r->source, s->src, s->family == AF_INET ? 4 : 16);
  memcpy(r->destination, s->dst, s->family == AF_INET ? 4 : 16);
  d->count++;
  return 0;
}

int pc_dump_sockets(pc_dump *out) {
  int fd = pc_diag_open();
  if (fd < 0) return -fd;
  int err = pc_dump_sockets_on(fd, out);
  close(fd);
  return err;
}

int pc_dump_sockets_on(int fd, pc_dump *out) {
  int err = pc_diag_dump_on(fd, AF_INET, PC_DIAG_EVERY_STATE, append, out);
  if (!err) {
    int err6 = pc_diag_dump_on(fd, AF_INET6, PC_DIAG_EVERY_STATE, append, out);
    /* No IPv6 in this kernel or namespace: its table is simply empty. */
    err = err6 == EAFNOSUPPORT ? 0 : err6;
  }
  return err ? err : out->out_of_memory ? ENOMEM : 0;
}
