/*
 * libFuzzer target over the ctnetlink parsers (kernel/ct_parse.c). Input: byte 0 bit 0 chooses a
 * statistics message (1) or a conntrack entry (0); the rest is the message body after its
 * nlmsghdr. Checks, beyond memory safety: a refused message changes nothing, and an entry's
 * parse does not depend on the bytes past the message (the same body with junk after it, cut at
 * its length, parses the same).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/ct_held.h"
#include "kernel/ct_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int stats = data[0] & 1;
  const uint8_t *body = data + 1;
  size_t len = size - 1;
  /* A copy of exactly len bytes, so a read past the message is a heap overflow ASan sees. */
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy) return 0;
  memcpy(copy, body, len);
  if (stats) {
    pc_ct_stats acc;
    memset(&acc, 0, sizeof acc);
    pc_ct_stats before = acc;
    if (pc_ct_parse_stats(copy, len, &acc) != 0 && memcmp(&before, &acc, sizeof acc) != 0) abort();
    if (pc_ct_parse_stats(copy, len, &acc) == 0 && acc.cpus == 0) abort();
  } else {
    pc_ct_entry e;
    memset(&e, 0xa5, sizeof e);
    if (pc_ct_parse_entry(copy, len, &e) == 0) {
      /* Counted as the exporter counts it: a held table of 1 key takes any entry. */
      pc_ct_held h;
      if (pc_ct_held_init(&h, 1) == 0) {
        pc_ct_held_add(&e, &h);
        pc_ct_held_add(&e, &h);
        if (h.total + h.other != 2) abort();
        pc_ct_held_free(&h);
      }
    }
  }
  free(copy);
  return 0;
}
