/*
 * Every TCP socket of this network namespace, for `portchurn watch`: a sock_diag dump of both
 * families written as fixed records in the host's byte order, so JavaScript reads a buffer instead
 * of receiving an object per socket. The record's layout is stated in abi.json (records.socket)
 * and asserted in abi.c.
 */
#ifndef PC_SOCKET_DUMP_H
#define PC_SOCKET_DUMP_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t family; /* 4 or 6 */
  uint8_t state;  /* 1-12; a bound-only socket comes back as 7 (TCP_CLOSE) with remote port 0 */
  uint16_t source_port;
  uint16_t destination_port;
  uint32_t timer_ms;       /* the pending timer: for TIME_WAIT, the time until the kernel frees the port */
  uint64_t cookie;         /* the kernel's id of the socket (sock_diag.h says where it comes from) */
  uint8_t source[16];      /* IPv4 in the first 4 bytes */
  uint8_t destination[16]; /* IPv4 in the first 4 bytes */
} pc_dump_record;

typedef struct {
  pc_dump_record *records; /* count records; free() when done */
  size_t count;
  size_t capacity;
  int out_of_memory; /* set when a record could not be kept: the dump is then an error */
} pc_dump;

/* Fills `out` (zeroed by the caller) with both families. 0, or an errno from the IPv4 dump. */
int pc_dump_sockets(pc_dump *out);
/* The same through a sock_diag socket from pc_diag_open, which may belong to another namespace. */
int pc_dump_sockets_on(int fd, pc_dump *out);

#endif
