/*
 * libFuzzer target over the response framing (Debian's clang: -fsanitize=fuzzer,address,undefined).
 * Input: byte 0 bit 0 = HEAD request, byte 1 = read size, the rest = what a server sent. Checks,
 * beyond memory safety: a feed never claims more bytes than it was given, MORE means all were
 * taken, and the outcome (state, status, whether the connection may be reused) does not depend
 * on how the reads were split.
 */
#include <stdint.h>
#include <stdlib.h>

#include "engine/framing.h"

static pc_frame_state frame(const char *p, size_t len, int head, size_t step, int *status, int *reusable) {
  pc_framer f;
  pc_framer_reset(&f, head);
  pc_frame_state st = PC_FRAME_MORE;
  while (len > 0 && st == PC_FRAME_MORE) {
    size_t piece = step < len ? step : len;
    size_t used = 0;
    st = pc_framer_feed(&f, p, piece, &used);
    if (used > piece) abort();
    if (st == PC_FRAME_MORE && used != piece) abort();
    p += used;
    len -= used;
  }
  *reusable = st == PC_FRAME_DONE ? pc_framer_reusable(&f) : -1;
  if (st == PC_FRAME_MORE) st = pc_framer_eof(&f) == PC_FRAME_DONE ? PC_FRAME_DONE : PC_FRAME_MORE;
  /* A body that ended with the connection never leaves it reusable. */
  if (st == PC_FRAME_DONE && *reusable == -1 && pc_framer_reusable(&f)) abort();
  *status = f.status;
  return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  int head = data[0] & 1;
  size_t step = data[1] ? data[1] : 1;
  const char *body = (const char *)data + 2;
  int whole_status, split_status, whole_reusable, split_reusable;
  pc_frame_state whole = frame(body, size - 2, head, size, &whole_status, &whole_reusable);
  pc_frame_state split = frame(body, size - 2, head, step, &split_status, &split_reusable);
  if (whole != split || whole_status != split_status || whole_reusable != split_reusable) abort();
  return 0;
}
