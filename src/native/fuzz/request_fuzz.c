/*
 * libFuzzer target over the built-in target's request reader (Debian's clang:
 * -fsanitize=fuzzer,address,undefined). Input: byte 0 = read size, the rest = what a client sent.
 * Checks, beyond memory safety: a feed never claims more bytes than it was given, MORE means all
 * were taken, the head never grows past its limit unnoticed, and the outcome (state, the
 * connection's keep-alive wish, the stats path) does not depend on how the reads were split.
 */
#include <stdint.h>
#include <stdlib.h>

#include "builtin-target/request.h"

static pc_request_state read_all(const char *p, size_t len, size_t step, int *keeps, int *stats, size_t *consumed) {
  pc_request r;
  pc_request_reset(&r);
  pc_request_state st = PC_REQUEST_MORE;
  *consumed = 0;
  while (len > 0 && st == PC_REQUEST_MORE) {
    size_t piece = step < len ? step : len;
    size_t used = 0;
    st = pc_request_feed(&r, p, piece, &used);
    if (used > piece) abort();
    if (st == PC_REQUEST_MORE && used != piece) abort();
    if (r.head_len > PC_REQUEST_HEAD_MAX + PC_REQUEST_LINE_MAX && st == PC_REQUEST_MORE) abort();
    p += used;
    len -= used;
    *consumed += used;
  }
  *keeps = st == PC_REQUEST_DONE ? pc_request_keeps(&r) : -1;
  *stats = st == PC_REQUEST_DONE ? r.stats : -1;
  return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t step = data[0] ? data[0] : 1;
  const char *body = (const char *)data + 1;
  int whole_keeps, split_keeps, whole_stats, split_stats;
  size_t whole_used, split_used;
  pc_request_state whole = read_all(body, size - 1, size, &whole_keeps, &whole_stats, &whole_used);
  pc_request_state split = read_all(body, size - 1, step, &split_keeps, &split_stats, &split_used);
  if (whole != split || whole_keeps != split_keeps || whole_stats != split_stats) abort();
  /* A complete request ends at the same byte however it was read. */
  if (whole == PC_REQUEST_DONE && whole_used != split_used) abort();
  return 0;
}
