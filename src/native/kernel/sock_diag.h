/*
 * Socket states through netlink sock_diag (INET_DIAG), without text: the kernel hands each TCP
 * socket over as a fixed binary record, where /proc/net/tcp formats a line of hex per socket.
 */
#ifndef PC_SOCK_DIAG_H
#define PC_SOCK_DIAG_H
#include <stdint.h>

/* One socket of a dump. Ports in host order; an IPv4 address fills the first 4 bytes. */
typedef struct {
  uint8_t family; /* AF_INET or AF_INET6: the table it came from */
  uint8_t state;  /* TCP_ESTABLISHED (1) .. TCP_NEW_SYN_RECV (12), as /proc/net/tcp numbers them */
  uint16_t sport, dport;
  uint8_t src[16], dst[16];
  uint32_t expires_ms; /* the pending timer, ms: for TIME_WAIT, how long until the kernel frees it */
  /*
   * The kernel's id of the socket. It is made the first time anyone asks (sock_gen_cookie: this
   * dump asking is enough) and a TIME_WAIT socket takes over its full socket's, so one connection
   * keeps one id from dump to dump; a connection never dumped before its TIME_WAIT gets one then.
   */
  uint64_t cookie;
} pc_diag_sock;

/* Called for each socket; return non-zero to stop the dump early. */
typedef int (*pc_diag_fn)(const pc_diag_sock *s, void *ctx);

/* Every socket but listeners (TCP_LISTEN is left out by the state mask). */
#define PC_DIAG_ALL_BUT_LISTEN (0x1ffeu & ~(1u << 10))

/*
 * TCP_BOUND_INACTIVE (13): a pseudo-state from Linux 6.10 that dumps sockets bound with bind() but
 * neither listening nor connected, which /proc/net/tcp never shows. Older kernels ignore the bit.
 */
#define PC_TCP_BOUND_INACTIVE 13
/* Every socket: each state, listeners and bound-inactive ones included. */
#define PC_DIAG_EVERY_STATE (0x1ffeu | (1u << PC_TCP_BOUND_INACTIVE))

/*
 * Dumps the TCP sockets of one family in this thread's network namespace whose state is in the
 * `states` bitmask (bit N: state N). Returns 0, or an errno: EAFNOSUPPORT (no IPv6 here),
 * EPROTONOSUPPORT or ENOENT (no tcp_diag in this kernel), or what socket/send/recv said.
 */
int pc_diag_dump(int family, uint32_t states, pc_diag_fn fn, void *ctx);
/* A sock_diag socket of this thread's namespace: the fd, or -errno. It keeps dumping that namespace
   whichever namespace the thread that uses it is in later (a socket is tied to where it was made). */
int pc_diag_open(void);
/* pc_diag_dump through a socket from pc_diag_open (perhaps made in another namespace). */
int pc_diag_dump_on(int fd, int family, uint32_t states, pc_diag_fn fn, void *ctx);

#endif
