/* An address and port, as the engine connects to or from and the target listens on. */
#ifndef PC_ENDPOINT_H
#define PC_ENDPOINT_H
#include <stdint.h>
#include <sys/socket.h>

typedef struct {
  struct sockaddr_storage addr;
  socklen_t len;
  uint16_t next_port; /* the engine's explicit port mode: the next port to try */
} pc_endpoint;

#endif
