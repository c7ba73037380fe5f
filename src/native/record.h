/*
 * One finished attempt, as the loop hands it to JavaScript: fixed size, no pointers, copied out
 * in bulk. Times are pc_now_ms() values; a phase not reached is NaN.
 */
#ifndef PC_RECORD_H
#define PC_RECORD_H
#include <stdint.h>

/* Outcome codes: 0 is a complete response (its HTTP status decides ok), > 0 an errno, < 0 ours. */
enum {
  PC_OK = 0,
  PC_TIMEOUT = -1,
  PC_CLOSED_EARLY = -2,
  PC_BAD_RESPONSE = -3,
  PC_ABORTED = -4,
};

typedef struct {
  double intended_ms;
  double start_ms;
  double connected_ms;
  double first_byte_ms;
  double done_ms;
  /* When the error was seen (done_ms for a complete response). */
  double at_ms;
  int32_t code;
  int32_t status;
  int32_t source_index;
  int32_t reserved;
} pc_record; /* 64 bytes */

#endif
