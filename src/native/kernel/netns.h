/*
 * Another network namespace, read from this one: a thread enters it (setns), opens a sock_diag
 * socket and the namespace's sysctl files there, and ends; the socket and the files stay tied to
 * that namespace (a socket belongs to the namespace it was made in, a /proc/sys/net file to the one
 * it was opened in), so the process reads it from then on without entering it again, and the
 * thread that serves JavaScript never changes namespace. Entering needs CAP_SYS_ADMIN; opening
 * another process's /proc/PID/ns/net needs ptrace read access to it (CAP_SYS_PTRACE for another user's).
 */
#ifndef PC_NETNS_H
#define PC_NETNS_H
#include <stddef.h>
#include <stdint.h>

#define PC_NETNS_MAX_FILES 8

typedef struct {
  int diag_fd;
  /* A ctnetlink socket made in the namespace (conntrack's table and statistics); -1 where none could be (ct_err says why). */
  int ct_fd;
  int ct_err;
  int files[PC_NETNS_MAX_FILES]; /* -1 where a file could not be opened (an older kernel's absent sysctl) */
  int file_count;
  uint64_t inode; /* the namespace's id: the inode of its ns file */
} pc_netns;

/* Opens `path` (/proc/PID/ns/net, /run/netns/NAME) and, inside it, a sock_diag socket and `paths`. 0 or an errno. */
int pc_netns_open(const char *path, const char *const *paths, int count, pc_netns *out);
/* Reads one of the files opened with it, from the start: a NUL-ended text in buf; 0, or an errno. */
int pc_netns_read(const pc_netns *ns, int index, char *buf, size_t size);
void pc_netns_close(pc_netns *ns);

#endif
