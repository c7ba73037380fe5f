/*
 * The native built-in target's types: one epoll loop per thread (builtin-target/loop.c), each with its own
 * SO_REUSEPORT listener on every listen address (the kernel spreads new connections over them), a
 * connection's whole state in one pc_tconn with a short handler per event (builtin-target/conn.c), its
 * deadlines on FIFO lists (builtin-target/timers.c), and per-thread counts of connections and requests by
 * remote and by local address (builtin-target/counts.c). Calls flow one way: loop -> conn -> counts and
 * timers, never back.
 */
#ifndef PC_TARGET_H
#define PC_TARGET_H
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/endpoint.h"
#include "builtin-target/request.h"

/* In the order of abi.json's targetConfig.close and .protocol values (asserted in abi.c). */
typedef enum { PC_TCLOSE_SERVER = 0, PC_TCLOSE_CLIENT = 1 } pc_target_close;
typedef enum { PC_TPROTO_HTTP = 0, PC_TPROTO_TCP = 1 } pc_target_protocol;

/* What every target thread shares, filled by builtin-target/config.c, then read-only. */
typedef struct {
  pc_endpoint *listen; /* the listen addresses; port 0 is replaced by the port bound */
  int listen_count;
  int threads;
  pc_target_close close;
  pc_target_protocol protocol;
  double delay_ms;
  double head_timeout_ms; /* a request head not complete this long after it began: the connection is closed */
  double idle_timeout_ms; /* a kept connection idle this long: the target closes it */
  /* The prepared responses: 200 with the body, keeping the connection or closing it; tcp: the body alone. */
  char *response_keep, *response_close, *response_raw;
  size_t response_keep_len, response_close_len, response_raw_len;
} pc_target_config;

/* Counts of one address (remote: the address; local: address and port). */
typedef struct {
  uint8_t key[19]; /* family, 16 bytes of address, port (local only) */
  uint8_t used;
  uint64_t connections, requests;
} pc_count_entry;

/* The most addresses one table keeps (per thread, remote and local each): a target reachable by
   many addresses (`serve --allow-remote`) cannot grow its memory or its stats endpoint's answer
   without bound. Past it the totals stay exact, the per-address counts are short, and the stats
   say so (countsComplete false). A /16 of sources fits. Tests build with a smaller one. */
#ifndef PC_COUNT_TABLE_MAX
#define PC_COUNT_TABLE_MAX 65536
#endif

/* An open-addressing table of counts, grown by doubling up to PC_COUNT_TABLE_MAX entries. */
typedef struct {
  pc_count_entry *entries;
  size_t capacity, size;
} pc_count_table;

/* Connections refused for what they sent, or did not send. */
typedef struct {
  uint64_t too_long;      /* a request line, header or head past the limits of request.h */
  uint64_t malformed;     /* not an HTTP/1.x request this target reads */
  uint64_t head_timeout;  /* the head did not complete within head_timeout_ms */
  uint64_t accept_errors; /* accept4 failed (EMFILE, ENFILE, ENOBUFS...) */
  uint64_t write_timeout; /* a response made no progress for idle_timeout_ms: the client stopped reading */
} pc_refused;

typedef struct pc_tconn pc_tconn;
typedef struct pc_target pc_target;

/* An intrusive list of connections waiting for one kind of deadline, oldest first: each kind has one delay, so appending keeps it in order.
 */
typedef struct {
  pc_tconn *head, *tail;
} pc_timer_list;

/* HEAD: the head timeout; DELAY: --delay; IDLE: a kept connection unused; WRITE: a response that
   made no progress (EAGAIN, then no room) for the idle timeout. */
enum { PC_TIMER_HEAD, PC_TIMER_DELAY, PC_TIMER_IDLE, PC_TIMER_WRITE, PC_TIMER_KINDS };

typedef struct {
  const pc_target_config *cfg;
  pc_target *target; /* for the stats endpoint, which answers with every thread's counts */
  int index;
  int epfd;
  int wake_fd;    /* an eventfd: stop() writes it */
  int *listeners; /* one per listen address, this thread's own */
  int accepting;  /* listeners are in the epoll set (not paused after EMFILE) */
  double accept_paused_until;
  pthread_t thread;
  int started;
  pid_t tid;
  /* Counts: written by the thread under `lock`, read by stats() under it. */
  pthread_mutex_t lock;
  pc_count_table by_remote, by_local;
  uint64_t connections, requests;
  /* Connections that ended while the target ran (either side closing), the requests they
     carried and the most one carried: a proxy's upstream keepalive limit shows here. */
  uint64_t ended_connections, ended_requests, ended_max_requests;
  pc_refused refused;
  int counts_failed; /* a table could not grow: the counts are short, and stats() says so */
  int loop_errno;    /* epoll_wait failed with this and the thread ended early; 0 while it runs or ended by stop() */
  /* CPU when the thread ended (µs), from getrusage(RUSAGE_THREAD); -1 while it runs. */
  double final_user_us, final_system_us;
  pc_timer_list timers[PC_TIMER_KINDS];
  /* Connections ready for their next request with no event to announce it (a pipelined request
     kept, or bytes that may wait in the socket), served after each round of events: in a loop,
     never by recursion, a round at a time so one pipelining client cannot starve the rest. */
  pc_tconn *ready_head, *ready_tail;
  size_t ready_count;
  pc_tconn *free_conns; /* a stack of closed pc_tconn to reuse */
  pc_tconn *open_conns; /* every open one (a list, for closing them at the end) */
} pc_target_thread;

struct pc_target {
  pc_target_config cfg;
  pc_target_thread *threads;
  atomic_int stop_requested;
  int stopped;
};

/* One connection (builtin-target/conn.c): its whole state, a short handler per event. */
/* One read of a connection's input: the most a connection keeps of pipelined requests. */
#define PC_TCONN_READ 16384
struct pc_tconn {
  int fd;
  int state;
  pc_tconn *prev, *next;             /* in a timer list */
  pc_tconn *open_prev, *open_next;   /* in the thread's open list */
  pc_tconn *ready_prev, *ready_next; /* in the thread's ready list, when `ready` */
  int ready;
  int timer; /* which timer list it is in, -1 none */
  double deadline_ms;
  uint8_t remote_key[19], local_key[19]; /* where its counts are kept (builtin-target/counts.c) */
  const char *out;                       /* the response being written */
  size_t out_len, out_off;
  char *owned_out; /* the stats endpoint's JSON, freed when written */
  int close_after; /* the target closes once the response is out */
  int registered;  /* in the epoll set */
  int pipelined;   /* `server` close: bytes came after the request; they are not answered, the connection ends after this response */
  int maybe_more;  /* bytes may wait in the socket with no new edge to announce them (a full read, or an edge while busy) */
  /* Pipelined requests (HTTP/1.1, `client` close): what one read brought past the request being
     answered, kept until it is answered (at most one read, PC_TCONN_READ bytes), then parsed in
     order. The socket is not read meanwhile, so TCP's window bounds the rest. */
  char *pending;
  size_t pending_len;
  int peer_closed;   /* an event said the client's FIN is in (EPOLLRDHUP): read it after the response */
  uint64_t requests; /* requests counted on this connection */
  pc_request req;
};

/* builtin-target/loop.c: the threads */
pc_target *pc_target_new(void);
/* Binds every thread's listeners (port 0: the first one's port for all), then starts the threads; 0 or an errno. */
int pc_target_start(pc_target *t);
/* Stops accepting, closes every connection and listener, joins the threads. */
void pc_target_stop(pc_target *t);
void pc_target_free(pc_target *t);

#endif
