/*
 * Every TCP socket of this network namespace, for `portchurn watch`: a sock_diag dump of both
 * families written as fixed little-endian records, so JavaScript reads a buffer instead of
 * receiving an object per socket. Layout of one record (PC_DUMP_RECORD_BYTES):
 *   0 family (4 or 6)   1 state (1-12; a bound-only socket comes back as 7, TCP_CLOSE, port 0 remote)
 *   2 source port   4 destination port   6 zero
 *   8 timer ms (u32: for TIME_WAIT, time until freed)   12 zero   16 cookie (u64)
 *   24 source address (16 bytes; IPv4 in the first 4)   40 destination address (16 bytes)
 */
#ifndef PC_SOCKET_DUMP_H
#define PC_SOCKET_DUMP_H
#include <stddef.h>
#include <stdint.h>

#define PC_DUMP_RECORD_BYTES 56

typedef struct {
  uint8_t *bytes; /* count records; free() when done */
  size_t count;
  size_t capacity;
  int out_of_memory; /* set when a record could not be kept: the dump is then an error */
} pc_dump;

/* Fills `out` (zeroed by the caller) with both families. 0, or an errno from the IPv4 dump. */
int pc_dump_sockets(pc_dump *out);

#endif
