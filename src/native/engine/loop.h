/*
 * One generator thread: an epoll set, a fixed array of connection slots, and the finished
 * attempts handed to JavaScript as pc_record arrays. Nothing is allocated per connection.
 */
#ifndef PC_LOOP_H
#define PC_LOOP_H
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/endpoint.h"
#include "engine/framing.h"
#include "engine/record.h"

/* In the order of abi.json's config.portMode and config.close values (asserted in abi.c). */
typedef enum { PC_PORT_KERNEL = 0, PC_PORT_BIND = 1, PC_PORT_NOBIND = 2, PC_PORT_EXPLICIT = 3 } pc_port_mode;
typedef enum { PC_CLOSE_CLIENT = 0, PC_CLOSE_SERVER = 1, PC_CLOSE_RESET = 2, PC_CLOSE_KEEPALIVE = 3 } pc_close_policy;

/* A bound that is not there (JavaScript's null for durationMs and maxAttempts). */
#define PC_NO_BOUND INFINITY

/* Everything a thread needs, filled by engine/config.c from the JavaScript configuration, then read-only. */
typedef struct {
  pc_endpoint *destinations;
  int destination_count;
  pc_endpoint *sources; /* none: the kernel picks (kernel mode); a record's source_index points here */
  int source_count;
  pc_port_mode port_mode;
  uint16_t explicit_low, explicit_high;
  uint8_t *skip_ports; /* 65536-bit map: ports something listens on (explicit mode) */
  /* IP_LOCAL_PORT_RANGE for every socket, 0 when not asked for. */
  uint32_t socket_port_range;
  uint8_t *request;
  size_t request_len;
  int http; /* 1: frame an HTTP/1.x response; 0: raw TCP, read expect_bytes */
  int64_t expect_bytes;
  int head_request;
  int time_calls; /* two clock reads around bind() and connect(); off: bind_ns, connect_ns stay PC_NOT_CALLED */
  pc_close_policy close;
  int open_loop;
  int connections;    /* closed loop: in flight; open loop: the most in flight */
  double rate_per_ms; /* open loop */
  double start_ms;
  double deadline_ms;  /* PC_NO_BOUND: none */
  double max_attempts; /* PC_NO_BOUND: none; a whole number otherwise */
  double timeout_ms;
  double grace_ms;
} pc_config;

/*
 * FREE: no connection. IDLE (keepalive): a connection kept open between requests. Both are on
 * the free stack; taking an IDLE slot sends the next request on its connection.
 */
typedef enum { SLOT_FREE = 0, SLOT_CONNECTING, SLOT_WRITING, SLOT_READING, SLOT_DRAINING, SLOT_IDLE } pc_slot_state;

typedef struct {
  int fd;
  pc_slot_state state;
  int source_index; /* this thread's index, -1 for the kernel's choice */
  int reusable;     /* keepalive: nothing seen so far forbids another request on this connection */
  size_t written;
  int64_t received;
  int complete; /* the response is complete; waiting for the server's EOF */
  pc_record rec;
  pc_framer framer;
} pc_slot;

typedef struct {
  pc_config cfg;
  int epfd;
  pc_slot *slots;
  /* Indices of free slots, a stack: taking and returning one is O(1) per connection. */
  int *free_slots;
  int free_count;
  _Atomic int in_flight; /* read by JavaScript for progress */
  _Atomic int64_t attempts;
  int next_source;
  int next_destination;
  pthread_t thread;
  atomic_int stop_requested; /* set by JavaScript: stop sending, grace, then ABORTED */
  atomic_int finished;
  int started;
  /* Records waiting for JavaScript: appended by the thread, taken by drain. */
  pthread_mutex_t lock;
  pc_record *out;
  size_t out_len, out_cap;
  /* Attempts counted in `attempts` whose record could not be kept (out of memory): reported, never hidden. */
  _Atomic int64_t lost_records;
  int failed_errno; /* the loop itself failed (epoll_wait) */
  double end_ms;    /* when the thread finished */
} pc_loop;

pc_loop *pc_loop_new(void);
int pc_loop_start(pc_loop *loop);
void pc_loop_request_stop(pc_loop *loop);
void pc_loop_join(pc_loop *loop);
void pc_loop_free(pc_loop *loop);
/* How many finished records wait. */
size_t pc_loop_pending(pc_loop *loop);
/* Moves up to `max` of the oldest waiting records into `dst`; returns how many. */
size_t pc_loop_take(pc_loop *loop, pc_record *dst, size_t max);

/* engine/conn.c */
void pc_conn_open(pc_loop *loop, pc_slot *slot, double intended_ms);
void pc_conn_event(pc_loop *loop, pc_slot *slot, uint32_t events);
void pc_conn_end(pc_loop *loop, pc_slot *slot, int32_t code);
/* Is an attempt running on the slot (not FREE, not IDLE)? */
int pc_conn_busy(const pc_slot *slot);
/* Closes a kept connection at the end of the run (the client's close: TIME_WAIT on our side). */
void pc_conn_close_idle(pc_slot *slot);
void pc_emit(pc_loop *loop, const pc_record *rec);

#endif
