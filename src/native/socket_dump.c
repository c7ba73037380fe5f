#define _GNU_SOURCE
#include "socket_dump.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sock_diag.h"

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v) {
  put16(p, (uint16_t)v);
  put16(p + 2, (uint16_t)(v >> 16));
}

/* Appends one record; returns non-zero (stopping the dump) when memory runs out. */
static int append(const pc_diag_sock *s, void *arg) {
  pc_dump *d = arg;
  if (d->count == d->capacity) {
    size_t capacity = d->capacity ? d->capacity * 2 : 1024;
    uint8_t *grown = realloc(d->bytes, capacity * PC_DUMP_RECORD_BYTES);
    if (!grown) {
      d->out_of_memory = 1;
      return 1;
    }
    d->bytes = grown;
    d->capacity = capacity;
  }
  uint8_t *r = d->bytes + d->count * PC_DUMP_RECORD_BYTES;
  memset(r, 0, PC_DUMP_RECORD_BYTES);
  r[0] = s->family == AF_INET ? 4 : 6;
  r[1] = s->state;
  put16(r + 2, s->sport);
  put16(r + 4, s->dport);
  put32(r + 8, s->expires_ms);
  put32(r + 16, (uint32_t)s->cookie);
  put32(r + 20, (uint32_t)(s->cookie >> 32));
  memcpy(r + 24, s->src, s->family == AF_INET ? 4 : 16);
  memcpy(r + 40, s->dst, s->family == AF_INET ? 4 : 16);
  d->count++;
  return 0;
}

int pc_dump_sockets(pc_dump *out) {
  int err = pc_diag_dump(AF_INET, PC_DIAG_EVERY_STATE, append, out);
  if (!err) {
    int err6 = pc_diag_dump(AF_INET6, PC_DIAG_EVERY_STATE, append, out);
    /* No IPv6 in this kernel or namespace: its table is simply empty. */
    err = err6 == EAFNOSUPPORT ? 0 : err6;
  }
  return err ? err : out->out_of_memory ? ENOMEM : 0;
}
