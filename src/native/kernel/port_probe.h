/*
 * A probe of the kernel's port search, run in a private network namespace whose port range and
 * tcp_tw_reuse the caller set: `count` loopback connections, each closed by the client first (so
 * its port stays in TIME_WAIT), with the time of the call that searches for the port kept for each.
 * What it shows (docs/kernel.md): connect() runs fast for half the range per (source, destination),
 * then walks the held half on every call; bind() runs fast for a quarter, then walks.
 */
#ifndef PC_PORT_PROBE_H
#define PC_PORT_PROBE_H
#include <stdint.h>

/* connect(): the kernel picks the port (__inet_hash_connect). bind(): bind(127.0.0.1, 0) with
   SO_REUSEADDR picks it (inet_csk_find_open_port), then connect(). */
typedef enum { PC_PROBE_CONNECT = 0, PC_PROBE_BIND = 1 } pc_probe_call;

/*
 * Makes up to `count` connections to a listener of its own on 127.0.0.1, the client closing
 * first, timing the searching call (ns) into out[i]. Returns how many it made before the search
 * failed (EADDRNOTAVAIL/EADDRINUSE: the range is held), or -errno when the probe itself could
 * not run (no listener, no socket).
 */
int pc_port_probe(pc_probe_call call, int count, uint32_t *out);

#endif
