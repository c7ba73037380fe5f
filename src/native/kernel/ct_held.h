/*
 * NAT mappings held, counted per (NAT address, destination address, destination port) and by
 * conntrack's TCP state, as a dump streams by: the entries whose source was rewritten (IPS_SRC_NAT),
 * keyed by their reply tuple's destination (the NAT address) and their original destination. The
 * table is bounded (PC_CT_HELD_MAX keys); past it the totals stay exact and `complete` is 0.
 */
#ifndef PC_CT_HELD_H
#define PC_CT_HELD_H
#include <stdint.h>

#include "kernel/ct_parse.h"

#define PC_CT_HELD_MAX 65536

typedef struct {
  uint32_t nat, dst; /* network order */
  uint16_t dport;
  uint8_t used;
  uint32_t states[PC_CT_TCP_STATES];
} pc_ct_held_key;

typedef struct {
  pc_ct_held_key *slots; /* open addressing, capacity a power of two */
  uint32_t capacity, count;
  int complete;
  uint64_t total;                          /* every NAT mapping seen */
  uint64_t total_states[PC_CT_TCP_STATES]; /* the same, by state */
  uint64_t other;                          /* entries without a NAT'd source (not counted above) */
  /*
   * NAT mappings that kept the pod's own port (the reply comes back to orig_sport): without
   * `random`/`fully-random`, get_unique_tuple() keeps a source port that is inside the rule's
   * range and free; with either flag every port is searched for from a random offset.
   */
  uint64_t port_kept;
} pc_ct_held;

/* 0, or ENOMEM. */
int pc_ct_held_init(pc_ct_held *h, uint32_t capacity);
void pc_ct_held_free(pc_ct_held *h);
/* A pc_ct_fn: counts one entry. */
int pc_ct_held_add(const pc_ct_entry *e, void *ctx);

#endif
