#include "kernel/ct_held.h"

#include <errno.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <stdlib.h>

int pc_ct_held_init(pc_ct_held *h, uint32_t capacity) {
  uint32_t cap = 64;
  while (cap < capacity * 2 && cap < PC_CT_HELD_MAX * 2) cap <<= 1;
  *h = (pc_ct_held){.capacity = cap, .complete = 1};
  h->slots = calloc(cap, sizeof *h->slots);
  return h->slots ? 0 : ENOMEM;
}

void pc_ct_held_free(pc_ct_held *h) {
  free(h->slots);
  h->slots = NULL;
}

static uint32_t hash(uint32_t nat, uint32_t dst, uint16_t dport) {
  uint64_t x = ((uint64_t)nat * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)dst * 0xC2B2AE3D27D4EB4Full) ^ ((uint64_t)dport << 17);
  x ^= x >> 31;
  return (uint32_t)(x ^ (x >> 29));
}

/* Doubles the table (at most to twice PC_CT_HELD_MAX slots); 0 when it could not. */
static int grow(pc_ct_held *h) {
  if (h->capacity >= PC_CT_HELD_MAX * 2) return 0;
  uint32_t cap = h->capacity * 2;
  pc_ct_held_key *slots = calloc(cap, sizeof *slots);
  if (!slots) return 0;
  for (uint32_t i = 0; i < h->capacity; i++) {
    if (!h->slots[i].used) continue;
    uint32_t j = hash(h->slots[i].nat, h->slots[i].dst, h->slots[i].dport) & (cap - 1);
    while (slots[j].used) j = (j + 1) & (cap - 1);
    slots[j] = h->slots[i];
  }
  free(h->slots);
  h->slots = slots;
  h->capacity = cap;
  return 1;
}

static uint32_t find(const pc_ct_held *h, uint32_t nat, uint32_t dst, uint16_t dport) {
  uint32_t i = hash(nat, dst, dport) & (h->capacity - 1);
  while (h->slots[i].used && !(h->slots[i].nat == nat && h->slots[i].dst == dst && h->slots[i].dport == dport))
    i = (i + 1) & (h->capacity - 1);
  return i;
}

int pc_ct_held_add(const pc_ct_entry *e, void *ctx) {
  pc_ct_held *h = ctx;
  if (!(e->status & IPS_SRC_NAT)) {
    h->other++;
    return 0;
  }
  uint8_t state = e->tcp_state < PC_CT_TCP_STATES ? e->tcp_state : 0;
  h->total++;
  h->total_states[state]++;
  if (e->reply_dport == e->orig_sport) h->port_kept++;
  /* The mapping: the replies come back to the NAT address; the connection went to orig_dst:orig_dport. */
  uint32_t nat = e->reply_dst, dst = e->orig_dst;
  uint16_t dport = e->orig_dport;
  uint32_t i = find(h, nat, dst, dport);
  if (!h->slots[i].used) {
    /* Kept at most half full; past PC_CT_HELD_MAX keys the totals go on alone. */
    if (h->count >= PC_CT_HELD_MAX) {
      h->complete = 0;
      return 0;
    }
    if ((h->count + 1) * 2 > h->capacity) {
      if (!grow(h)) {
        h->complete = 0;
        return 0;
      }
      i = find(h, nat, dst, dport);
    }
    h->slots[i] = (pc_ct_held_key){.nat = nat, .dst = dst, .dport = dport, .used = 1};
    h->count++;
  }
  h->slots[i].states[state]++;
  return 0;
}
