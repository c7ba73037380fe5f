#define _GNU_SOURCE
#include "kernel/diag_glue.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "api/fields.h"
#include "kernel/socket_count.h"
#include "kernel/socket_dump.h"

static napi_value fail(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

/* Fills `keys` from a JavaScript array of address strings or { host, port } objects, each checked
   as engine/config.c checks the engine's (the same readers, the same errors naming the entry). */
static int read_keys(napi_env env, napi_value arr, const char *name, int with_port, pc_scope_key **keys, size_t *count) {
  uint32_t n = 0;
  *keys = NULL;
  *count = 0;
  if (!pc_read_array(env, arr, name, 0, 1 << 20, &n)) return 0;
  *keys = calloc(n + 1, sizeof **keys);
  if (!*keys) {
    napi_throw_error(env, NULL, "out of memory");
    return 0;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value item, host_v, port_v;
    char where[64], host[64];
    double port = 0;
    snprintf(where, sizeof where, "%s[%u]", name, i);
    if (napi_get_element(env, arr, i, &item) != napi_ok) return 0;
    if (with_port) {
      if (napi_get_named_property(env, item, "host", &host_v) != napi_ok ||
          napi_get_named_property(env, item, "port", &port_v) != napi_ok) {
        napi_throw_type_error(env, NULL, "scope: destinations must be { host, port }");
        return 0;
      }
      snprintf(where, sizeof where, "%s[%u].port", name, i);
      if (!pc_read_number(env, port_v, where, 0, 65535, 1, &port)) return 0;
      snprintf(where, sizeof where, "%s[%u].host", name, i);
    } else {
      host_v = item;
    }
    if (!pc_read_ip(env, host_v, where, host, sizeof host)) return 0;
    pc_scope_key_of(host, (int)port, with_port, &(*keys)[i]);
  }
  *count = n;
  return 1;
}

static napi_value number_array(napi_env env, const double *values, size_t n) {
  napi_value arr, v;
  if (napi_create_array_with_length(env, n, &arr) != napi_ok) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (napi_create_double(env, values[i], &v) != napi_ok || napi_set_element(env, arr, (uint32_t)i, v) != napi_ok) return NULL;
  }
  return arr;
}

napi_value pc_napi_count_sockets(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, sources_v, destinations_v;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok || argc < 1)
    return fail(env, NULL, "countSockets(scope) needs a scope");
  if (napi_get_named_property(env, arg, "sources", &sources_v) != napi_ok ||
      napi_get_named_property(env, arg, "destinations", &destinations_v) != napi_ok)
    return fail(env, NULL, "scope needs sources and destinations");
  pc_scope scope = {0};
  pc_counts counts = {0};
  napi_value out = NULL;
  const char *bad = NULL;
  if (!read_keys(env, sources_v, "sources", 0, &scope.sources, &scope.source_count) ||
      !read_keys(env, destinations_v, "destinations", 1, &scope.destinations, &scope.destination_count))
    goto done; /* the reader threw, naming the entry */
  scope.source_index = calloc(scope.source_count + 1, sizeof *scope.source_index);
  counts.ports_held = calloc(scope.source_count + 1, sizeof *counts.ports_held);
  if (!scope.source_index || !counts.ports_held) {
    bad = "out of memory";
    goto done;
  }
  for (size_t i = 0; i < scope.source_count; i++) scope.source_index[i] = (int)i;
  /* Unsorted keys would make every lookup a silent miss: a sort that cannot run is an error. */
  if (pc_scope_sort(&scope) != 0) {
    bad = "out of memory";
    goto done;
  }
  int err = pc_count_sockets(&scope, &counts);
  if (err) {
    /* The caller falls back to /proc/net/tcp; the code says why. */
    napi_throw_error(env, err == ENOENT || err == EPROTONOSUPPORT ? "ENOSOCKDIAG" : "ESOCKDIAG", strerror(err));
    goto done;
  }
  napi_value v, client, server, held;
  /* All or nothing: an object missing a count would read as zero sockets. */
  if (napi_create_object(env, &out) != napi_ok || !(client = number_array(env, counts.client, PC_TCP_STATES)) ||
      !(server = number_array(env, counts.server, PC_TCP_STATES)) || !(held = number_array(env, counts.ports_held, scope.source_count)) ||
      napi_create_double(env, counts.sockets, &v) != napi_ok || napi_set_named_property(env, out, "client", client) != napi_ok ||
      napi_set_named_property(env, out, "server", server) != napi_ok || napi_set_named_property(env, out, "portsHeld", held) != napi_ok ||
      napi_set_named_property(env, out, "sockets", v) != napi_ok) {
    out = NULL;
    bad = "cannot build the counts object";
  }
done:
  free(scope.sources);
  free(scope.source_index);
  free(scope.destinations);
  free(counts.ports_held);
  if (bad) return fail(env, NULL, bad);
  return out;
}

napi_value pc_napi_dump_sockets(napi_env env, napi_callback_info info) {
  (void)info;
  pc_dump dump = {0};
  int err = pc_dump_sockets(&dump);
  napi_value out = NULL;
  if (err) {
    napi_throw_error(env, err == ENOENT || err == EPROTONOSUPPORT ? "ENOSOCKDIAG" : "ESOCKDIAG", strerror(err));
  } else if (napi_create_buffer_copy(env, dump.count * sizeof *dump.records, dump.count ? (const void *)dump.records : (const void *)"",
                                     NULL, &out) != napi_ok) {
    napi_throw_error(env, NULL, "out of memory");
    out = NULL;
  }
  free(dump.records);
  return out;
}
