#define _GNU_SOURCE
#include "kernel/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/conntrack.h"
#include "kernel/sock_diag.h"

typedef struct {
  int ns_fd;
  const char *const *paths;
  int count;
  pc_netns *out;
  int err;
} enter_job;

/* The thread that enters the namespace: what it opens there stays there; the thread itself ends. */
static void *enter(void *arg) {
  enter_job *job = arg;
  if (setns(job->ns_fd, CLONE_NEWNET) != 0) {
    job->err = errno;
    return NULL;
  }
  int fd = pc_diag_open();
  if (fd < 0) {
    job->err = -fd;
    return NULL;
  }
  job->out->diag_fd = fd;
  /* Without nfnetlink (no conntrack on this kernel) the namespace is still read: only conntrack is not. */
  int ct = pc_ct_open();
  job->out->ct_fd = ct < 0 ? -1 : ct;
  job->out->ct_err = ct < 0 ? -ct : 0;
  for (int i = 0; i < job->count; i++) job->out->files[i] = open(job->paths[i], O_RDONLY | O_CLOEXEC);
  return NULL;
}

int pc_netns_open(const char *path, const char *const *paths, int count, pc_netns *out) {
  memset(out, 0, sizeof *out);
  out->diag_fd = -1;
  out->ct_fd = -1;
  for (int i = 0; i < PC_NETNS_MAX_FILES; i++) out->files[i] = -1;
  if (count > PC_NETNS_MAX_FILES) return EINVAL;
  out->file_count = count;
  int ns_fd = open(path, O_RDONLY | O_CLOEXEC);
  if (ns_fd < 0) return errno;
  struct stat st;
  if (fstat(ns_fd, &st) != 0) {
    int err = errno;
    close(ns_fd);
    return err;
  }
  out->inode = (uint64_t)st.st_ino;
  enter_job job = {ns_fd, paths, count, out, 0};
  pthread_t thread;
  int err = pthread_create(&thread, NULL, enter, &job);
  if (!err) {
    pthread_join(thread, NULL);
    err = job.err;
  }
  close(ns_fd);
  if (err) pc_netns_close(out);
  return err;
}

int pc_netns_read(const pc_netns *ns, int index, char *buf, size_t size) {
  if (index < 0 || index >= ns->file_count || ns->files[index] < 0) return ENOENT;
  ssize_t n = pread(ns->files[index], buf, size - 1, 0);
  if (n < 0) return errno;
  buf[n] = 0;
  return 0;
}

void pc_netns_close(pc_netns *ns) {
  if (ns->diag_fd >= 0) close(ns->diag_fd);
  ns->diag_fd = -1;
  if (ns->ct_fd >= 0) close(ns->ct_fd);
  ns->ct_fd = -1;
  for (int i = 0; i < PC_NETNS_MAX_FILES; i++) {
    if (ns->files[i] >= 0) close(ns->files[i]);
    ns->files[i] = -1;
  }
}
