/* One accepted connection's handlers (builtin-target/conn.c), called by the thread's loop. */
#ifndef PC_TARGET_CONN_H
#define PC_TARGET_CONN_H
#include "builtin-target/target.h"

/* A new connection from accept4 on a listener bound to `self`. */
void pc_tconn_accepted(pc_target_thread *th, int fd, const struct sockaddr_storage *peer, const struct sockaddr_storage *self);
void pc_tconn_event(pc_target_thread *th, pc_tconn *c, uint32_t events);
/* Serves the connections that were ready when this round began; returns whether any are left. */
int pc_tconn_run_ready(pc_target_thread *th);
/* A timer of the connection's came due. */
void pc_tconn_timer(pc_target_thread *th, pc_tconn *c, int kind);
/* Closes it and gives the struct back (at the end of the run: whatever it was doing). */
void pc_tconn_close(pc_target_thread *th, pc_tconn *c);

#endif
