/*
 * The sampler's question, answered from a sock_diag dump: for a stage's source addresses and
 * destinations, how many sockets in each TCP state on the client side and on the server side,
 * and how many ports each source holds. The same rules as the /proc/net/tcp reader
 * (src/sampler/tcp-table.ts), so the two can stand in for each other.
 */
#ifndef PC_SOCKET_COUNT_H
#define PC_SOCKET_COUNT_H
#include <stddef.h>
#include <stdint.h>

#define PC_TCP_STATES 13 /* index = state number; 0 unused */

/* An address (family and 16 bytes) and, for destinations, a port: compared as bytes. */
typedef struct {
  uint8_t key[19]; /* family, address (IPv4 in the first 4), port in network order (destinations) */
} pc_scope_key;

typedef struct {
  pc_scope_key *sources; /* sorted; `index` gives each one's place in the caller's list */
  int *source_index;
  size_t source_count;
  pc_scope_key *destinations; /* sorted */
  size_t destination_count;
} pc_scope;

typedef struct {
  double client[PC_TCP_STATES];
  double server[PC_TCP_STATES];
  double *ports_held; /* source_count entries, by the caller's index */
  double sockets;     /* every socket the dump returned */
} pc_counts;

/* Builds the key of an address literal (IPv4 or IPv6) and port; 0 when it does not parse. */
int pc_scope_key_of(const char *address, int port, int with_port, pc_scope_key *out);
/* Sorts the scope's keys (after they are filled) so that lookups are binary searches. 0, or ENOMEM
   (then the keys are not sorted and must not be searched). */
int pc_scope_sort(pc_scope *scope);
/* Counts both families into `counts` (zeroed first). 0 or an errno from the IPv4 dump. */
int pc_count_sockets(const pc_scope *scope, pc_counts *counts);

#endif
