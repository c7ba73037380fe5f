/* The target's counts (builtin-target/counts.c): per thread, merged for the stats endpoint and JavaScript. */
#ifndef PC_TARGET_COUNTS_H
#define PC_TARGET_COUNTS_H
#include "builtin-target/target.h"

/* Counts a connection by its remote and local address (keys filled here); a table that cannot grow sets counts_failed. */
void pc_count_connection(pc_target_thread *th, pc_tconn *c, const struct sockaddr_storage *peer, const struct sockaddr_storage *self);
void pc_count_request(pc_target_thread *th, pc_tconn *c);
/* Adds a connection that is ending to the thread's ended counts. */
void pc_count_ended(pc_target_thread *th, const pc_tconn *c);
void pc_count_table_free(pc_count_table *t);
/* The stats endpoint's JSON of every thread's counts, malloc'd; NULL when out of memory. */
char *pc_target_stats_json(pc_target *t, size_t *len);
/* A count key as text: "127.0.0.1", or with the port "127.0.0.1:8080" / "[::1]:8080". */
void pc_count_key_text(const uint8_t key[19], int with_port, char *out, size_t size);
/* A thread's CPU time so far (ms): /proc/self/task/TID/stat while it runs, getrusage's figure once it ended. */
int pc_target_thread_cpu(pc_target_thread *th, double *user_ms, double *system_ms);

#endif
