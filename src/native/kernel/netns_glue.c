#define _GNU_SOURCE
#include "kernel/netns_glue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fields.h"
#include "api/napi_util.h"
#include "kernel/netns.h"
#include "kernel/socket_dump.h"

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  pc_netns_close(data);
  free(data);
}

/* An Error whose code is the errno's name, as Node's own system errors carry theirs. */
static napi_value throw_errno(napi_env env, int err, const char *what) {
  char text[256];
  snprintf(text, sizeof text, "%s: %s", what, strerror(err));
  const char *name = err == EPERM ? "EPERM" : err == EACCES ? "EACCES" : err == ENOENT ? "ENOENT" : err == EINVAL ? "EINVAL" : "ENETNS";
  napi_value error, code, message;
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message) == napi_ok &&
      napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code) == napi_ok && napi_create_error(env, code, message, &error) == napi_ok)
    napi_throw(env, error);
  return NULL;
}

napi_value pc_napi_netns_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "netnsOpen(path, files) needs both");
    return NULL;
  }
  char path[4096];
  size_t len = 0;
  napi_valuetype type;
  if (napi_typeof(env, args[0], &type) != napi_ok || type != napi_string ||
      napi_get_value_string_utf8(env, args[0], path, sizeof path, &len) != napi_ok || len + 1 >= sizeof path) {
    napi_throw_type_error(env, NULL, "netnsOpen: path must be a string");
    return NULL;
  }
  uint32_t count = 0;
  if (!pc_read_array(env, args[1], "files", 0, PC_NETNS_MAX_FILES, &count)) return NULL;
  char names[PC_NETNS_MAX_FILES][128];
  const char *paths[PC_NETNS_MAX_FILES];
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    size_t n = 0;
    if (napi_get_element(env, args[1], i, &item) != napi_ok || napi_typeof(env, item, &type) != napi_ok || type != napi_string ||
        napi_get_value_string_utf8(env, item, names[i], sizeof names[i], &n) != napi_ok || n + 1 >= sizeof names[i] ||
        strncmp(names[i], "/proc/sys/", 10) != 0) {
      napi_throw_type_error(env, NULL, "netnsOpen: files must be /proc/sys/... paths");
      return NULL;
    }
    paths[i] = names[i];
  }
  pc_netns *ns = malloc(sizeof *ns);
  if (!ns) return pc_napi_fail(env, "portchurn native: out of memory");
  int err = pc_netns_open(path, paths, (int)count, ns);
  if (err) {
    free(ns);
    return throw_errno(env, err, path);
  }
  napi_value out, handle, inode;
  int made = pc_napi_new_handle(env, ns, finalize, PC_HANDLE_NETNS, &handle);
  if (made == PC_HANDLE_NOT_MADE) {
    pc_netns_close(ns);
    free(ns);
  }
  /* Untagged: the handle's finalizer closes and frees it when it is collected. */
  if (made != PC_HANDLE_MADE) return pc_napi_fail(env, "portchurn native: cannot wrap the namespace");
  if (napi_create_object(env, &out) != napi_ok || napi_create_double(env, (double)ns->inode, &inode) != napi_ok ||
      napi_set_named_property(env, out, "handle", handle) != napi_ok || napi_set_named_property(env, out, "inode", inode) != napi_ok)
    return pc_napi_fail(env, "portchurn native: cannot build the namespace handle");
  return out;
}

napi_value pc_napi_netns_dump(napi_env env, napi_callback_info info) {
  pc_netns *ns = pc_napi_handle(env, info, PC_HANDLE_NETNS);
  if (!ns) return NULL;
  if (ns->diag_fd < 0) return throw_errno(env, EBADF, "netnsDump: the namespace was closed");
  pc_dump dump = {0};
  int err = pc_dump_sockets_on(ns->diag_fd, &dump);
  napi_value out = NULL;
  if (err)
    throw_errno(env, err, "netnsDump");
  else if (napi_create_buffer_copy(env, dump.count * sizeof *dump.records, dump.count ? (const void *)dump.records : (const void *)"", NULL,
                                   &out) != napi_ok) {
    napi_throw_error(env, NULL, "out of memory");
    out = NULL;
  }
  free(dump.records);
  return out;
}

napi_value pc_napi_netns_read(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  double index = 0;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "netnsRead(handle, index)");
    return NULL;
  }
  pc_netns *data = pc_napi_handle_of(env, args[0], PC_HANDLE_NETNS);
  if (!data) return NULL;
  if (data->diag_fd < 0) return throw_errno(env, EBADF, "netnsRead: the namespace was closed");
  if (!pc_read_number(env, args[1], "index", 0, PC_NETNS_MAX_FILES - 1, 1, &index)) return NULL;
  char text[512];
  napi_value out;
  if (pc_netns_read(data, (int)index, text, sizeof text) != 0) {
    napi_get_null(env, &out);
    return out;
  }
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &out) != napi_ok) return pc_napi_fail(env, "portchurn native: cannot read");
  return out;
}

napi_value pc_napi_netns_close(napi_env env, napi_callback_info info) {
  pc_netns *ns = pc_napi_handle(env, info, PC_HANDLE_NETNS);
  if (ns) pc_netns_close(ns);
  return NULL;
}
