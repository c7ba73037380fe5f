#define _GNU_SOURCE
#include "diag_glue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "socket_count.h"
#include "socket_dump.h"

static napi_value fail(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

/* Fills `keys` from a JavaScript array of address strings or { host, port } objects. */
static int read_keys(napi_env env, napi_value arr, int with_port, pc_scope_key **keys, size_t *count) {
  uint32_t n = 0;
  *keys = NULL;
  *count = 0;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return 0;
  *keys = calloc(n + 1, sizeof **keys);
  if (!*keys) return 0;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item, host_v, port_v;
    char host[64];
    size_t len;
    int32_t port = 0;
    if (napi_get_element(env, arr, i, &item) != napi_ok) return 0;
    if (with_port) {
      if (napi_get_named_property(env, item, "host", &host_v) != napi_ok || napi_get_named_property(env, item, "port", &port_v) != napi_ok)
        return 0;
      if (napi_get_value_int32(env, port_v, &port) != napi_ok || port < 0 || port > 65535) return 0;
    } else {
      host_v = item;
    }
    if (napi_get_value_string_utf8(env, host_v, host, sizeof host, &len) != napi_ok || len + 1 >= sizeof host) return 0;
    if (!pc_scope_key_of(host, port, with_port, &(*keys)[i])) return 0;
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
  if (!read_keys(env, sources_v, 0, &scope.sources, &scope.source_count) ||
      !read_keys(env, destinations_v, 1, &scope.destinations, &scope.destination_count)) {
    bad = "scope: sources must be IP literals, destinations { host: IP literal, port }";
    goto done;
  }
  scope.source_index = calloc(scope.source_count + 1, sizeof *scope.source_index);
  counts.ports_held = calloc(scope.source_count + 1, sizeof *counts.ports_held);
  if (!scope.source_index || !counts.ports_held) {
    bad = "out of memory";
    goto done;
  }
  for (size_t i = 0; i < scope.source_count; i++) scope.source_index[i] = (int)i;
  pc_scope_sort(&scope);
  int err = pc_count_sockets(&scope, &counts);
  if (err) {
    /* The caller falls back to /proc/net/tcp; the code says why. */
    napi_throw_error(env, err == ENOENT || err == EPROTONOSUPPORT ? "ENOSOCKDIAG" : "ESOCKDIAG", strerror(err));
    goto done;
  }
  napi_value v;
  if (napi_create_object(env, &out) != napi_ok) goto done;
  napi_set_named_property(env, out, "client", number_array(env, counts.client, PC_TCP_STATES));
  napi_set_named_property(env, out, "server", number_array(env, counts.server, PC_TCP_STATES));
  napi_set_named_property(env, out, "portsHeld", number_array(env, counts.ports_held, scope.source_count));
  napi_create_double(env, counts.sockets, &v);
  napi_set_named_property(env, out, "sockets", v);
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
  } else if (napi_create_buffer_copy(env, dump.count * PC_DUMP_RECORD_BYTES, dump.count ? dump.bytes : (const void *)"", NULL, &out) !=
             napi_ok) {
    napi_throw_error(env, NULL, "out of memory");
    out = NULL;
  }
  free(dump.bytes);
  return out;
}
