/*
 * One finished attempt, as the loop hands it to JavaScript: fixed size, no pointers, copied out
 * in bulk. Times are pc_now_ms() values; a phase not reached is NaN. Its layout is stated in
 * abi.json and asserted in abi.c; the outcome codes come from there too (gen/abi.h).
 */
#ifndef PC_RECORD_H
#define PC_RECORD_H
#include <stdint.h>

#include "api/gen/abi.h"

typedef struct {
  double intended_ms;
  double start_ms;
  double connected_ms;
  double first_byte_ms;
  double done_ms;
  /* When the error was seen (done_ms for a complete response). */
  double at_ms;
  /* 0 a complete response (its status decides ok), > 0 an errno, < 0 PC_TIMEOUT and the rest. */
  int32_t code;
  int32_t status;
  /* The source's index in this thread's configuration (sources[i]); -1 when the kernel chose. */
  int32_t source_index;
  /* Time inside this attempt's bind() and connect() calls, in ns: the kernel's port search runs in
     them (connect() for the kernel and nobind paths, bind() for bind and explicit). PC_NOT_CALLED
     when the call was not made (no bind() in kernel mode; a kept connection makes neither);
     a longer call saturates at PC_NOT_CALLED - 1 (4.3 s). */
  uint32_t bind_ns;
  uint32_t connect_ns;
  /* SYN retransmits of this attempt's connect (TCP_INFO's tcpi_total_retrans when the connect
     completed, or when the attempt ended still connecting: before the handshake, every
     retransmit is a SYN's); -1 when not read (no socket, or a kept connection). A NAT that drops
     SYNs shows here, connection by connection, and in no errno. */
  int32_t syn_retrans;
} pc_record;

#define PC_NOT_CALLED UINT32_MAX

#endif
