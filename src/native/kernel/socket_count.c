#define _GNU_SOURCE
#include "kernel/socket_count.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel/sock_diag.h"

#define TCP_LISTEN 10

int pc_scope_key_of(const char *address, int port, int with_port, pc_scope_key *out) {
  memset(out, 0, sizeof *out);
  if (inet_pton(AF_INET, address, out->key + 1) == 1)
    out->key[0] = AF_INET;
  else if (inet_pton(AF_INET6, address, out->key + 1) == 1)
    out->key[0] = AF_INET6;
  else
    return 0;
  if (with_port) {
    out->key[17] = (uint8_t)(port >> 8);
    out->key[18] = (uint8_t)port;
  }
  return 1;
}

static int compare_keys(const void *a, const void *b) {
  return memcmp(a, b, sizeof(pc_scope_key));
}

/* Sources sort with their caller's index beside them: sorted as pairs, then split. */
typedef struct {
  pc_scope_key key;
  int index;
} indexed_key;

static int compare_indexed(const void *a, const void *b) {
  return compare_keys(&((const indexed_key *)a)->key, &((const indexed_key *)b)->key);
}

int pc_scope_sort(pc_scope *scope) {
  /* qsort() must not be handed a null array, even an empty one. */
  if (scope->destination_count > 0) qsort(scope->destinations, scope->destination_count, sizeof *scope->destinations, compare_keys);
  indexed_key *pairs = malloc(scope->source_count * sizeof *pairs + 1);
  if (!pairs) return ENOMEM;
  for (size_t i = 0; i < scope->source_count; i++) pairs[i] = (indexed_key){scope->sources[i], scope->source_index[i]};
  qsort(pairs, scope->source_count, sizeof *pairs, compare_indexed);
  for (size_t i = 0; i < scope->source_count; i++) {
    scope->sources[i] = pairs[i].key;
    scope->source_index[i] = pairs[i].index;
  }
  free(pairs);
  return 0;
}

static void key_of(uint8_t family, const uint8_t *addr, uint16_t port, int with_port, pc_scope_key *k) {
  memset(k, 0, sizeof *k);
  k->key[0] = family;
  memcpy(k->key + 1, addr, family == AF_INET ? 4 : 16);
  if (with_port) {
    k->key[17] = (uint8_t)(port >> 8);
    k->key[18] = (uint8_t)port;
  }
}

typedef struct {
  const pc_scope *scope;
  pc_counts *counts;
} count_ctx;

static int count_one(const pc_diag_sock *s, void *arg) {
  count_ctx *c = arg;
  const pc_scope *scope = c->scope;
  c->counts->sockets++;
  if (s->state >= PC_TCP_STATES || s->state == TCP_LISTEN) return 0;
  pc_scope_key local, remote, local_addr;
  key_of(s->family, s->src, s->sport, 1, &local);
  key_of(s->family, s->dst, s->dport, 1, &remote);
  key_of(s->family, s->src, 0, 0, &local_addr);
  const pc_scope_key *source =
      scope->source_count ? bsearch(&local_addr, scope->sources, scope->source_count, sizeof local_addr, compare_keys) : NULL;
  /* Client side: towards a destination, from a stage source (any source in kernel mode). */
  if (bsearch(&remote, scope->destinations, scope->destination_count, sizeof remote, compare_keys) && (scope->source_count == 0 || source))
    c->counts->client[s->state]++;
  /* Server side: on a destination address:port (listeners were left out). */
  if (bsearch(&local, scope->destinations, scope->destination_count, sizeof local, compare_keys)) c->counts->server[s->state]++;
  if (source) c->counts->ports_held[scope->source_index[source - scope->sources]]++;
  return 0;
}

int pc_count_sockets(const pc_scope *scope, pc_counts *counts) {
  double *held = counts->ports_held;
  memset(counts, 0, sizeof *counts);
  counts->ports_held = held;
  if (held) memset(held, 0, scope->source_count * sizeof *held);
  count_ctx ctx = {scope, counts};
  int err = pc_diag_dump(AF_INET, PC_DIAG_ALL_BUT_LISTEN, count_one, &ctx);
  if (err) return err;
  /* No IPv6 in this kernel or namespace: its table is simply empty, as a missing tcp6 file is. */
  int err6 = pc_diag_dump(AF_INET6, PC_DIAG_ALL_BUT_LISTEN, count_one, &ctx);
  return err6 == EAFNOSUPPORT ? 0 : err6;
}
