#define _GNU_SOURCE
#include "builtin-target/glue.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/napi_util.h"
#include "builtin-target/target.h"
#include "builtin-target/counts.h"
#include "builtin-target/config.h"

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  pc_target_free(data);
}

static pc_target *target_of(napi_env env, napi_callback_info info) {
  return pc_napi_handle(env, info, PC_HANDLE_TARGET);
}

/* { host, port } of a bound listen address. */
static napi_value address_of(napi_env env, const pc_endpoint *e) {
  char host[INET6_ADDRSTRLEN];
  uint16_t port;
  if (e->addr.ss_family == AF_INET) {
    const struct sockaddr_in *in4 = (const struct sockaddr_in *)&e->addr;
    inet_ntop(AF_INET, &in4->sin_addr, host, sizeof host);
    port = ntohs(in4->sin_port);
  } else {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&e->addr;
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = ntohs(in6->sin6_port);
  }
  napi_value obj, h, p;
  if (napi_create_object(env, &obj) != napi_ok || napi_create_string_utf8(env, host, NAPI_AUTO_LENGTH, &h) != napi_ok ||
      napi_create_uint32(env, port, &p) != napi_ok || napi_set_named_property(env, obj, "host", h) != napi_ok ||
      napi_set_named_property(env, obj, "port", p) != napi_ok)
    return NULL;
  return obj;
}

napi_value pc_napi_target_start(napi_env env, napi_callback_info info) {
  napi_value config;
  if (!pc_napi_first_arg(env, info, "targetStart(config)", &config)) return NULL;
  pc_target *t = pc_target_new();
  if (!t) return pc_napi_fail(env, "portchurn native: out of memory");
  if (!pc_target_config_parse(env, config, &t->cfg)) {
    pc_target_free(t);
    return NULL; /* the parser threw, naming the field */
  }
  int err = pc_target_start(t);
  if (err) {
    pc_target_free(t);
    /* EADDRINUSE, EADDRNOTAVAIL...: the code goes with the error, as Node's listen() errors carry theirs. */
    napi_value error, code, message;
    char text[128];
    snprintf(text, sizeof text, "the native target could not listen: %s", strerror(err));
    const char *name = err == EADDRINUSE ? "EADDRINUSE" : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : err == EACCES ? "EACCES" : "ELISTEN";
    if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message) == napi_ok &&
        napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code) == napi_ok && napi_create_error(env, code, message, &error) == napi_ok)
      napi_throw(env, error);
    return NULL;
  }
  napi_value out, handle, addresses;
  int made = pc_napi_new_handle(env, t, finalize, PC_HANDLE_TARGET, &handle);
  if (made == PC_HANDLE_NOT_MADE) pc_target_free(t);
  /* Untagged: the handle's finalizer stops and frees the target when it is collected. */
  if (made != PC_HANDLE_MADE) return pc_napi_fail(env, "portchurn native: cannot wrap the target");
  if (napi_create_object(env, &out) != napi_ok || napi_set_named_property(env, out, "handle", handle) != napi_ok ||
      napi_create_array_with_length(env, (size_t)t->cfg.listen_count, &addresses) != napi_ok)
    return pc_napi_fail(env, "portchurn native: cannot build the target's addresses");
  for (int i = 0; i < t->cfg.listen_count; i++) {
    napi_value a = address_of(env, &t->cfg.listen[i]);
    if (!a || napi_set_element(env, addresses, (uint32_t)i, a) != napi_ok)
      return pc_napi_fail(env, "portchurn native: cannot build the target's addresses");
  }
  if (napi_set_named_property(env, out, "addresses", addresses) != napi_ok)
    return pc_napi_fail(env, "portchurn native: cannot build the target's addresses");
  return out;
}

napi_value pc_napi_target_stats(napi_env env, napi_callback_info info) {
  pc_target *t = target_of(env, info);
  if (!t) return NULL;
  size_t len = 0;
  char *json = pc_target_stats_json(t, &len);
  if (!json) return pc_napi_fail(env, "portchurn native: out of memory for the target's counts");
  napi_value out;
  napi_status st = napi_create_string_utf8(env, json, len, &out);
  free(json);
  return st == napi_ok ? out : pc_napi_fail(env, "portchurn native: cannot hand over the target's counts");
}

napi_value pc_napi_target_stop(napi_env env, napi_callback_info info) {
  pc_target *t = target_of(env, info);
  if (t) pc_target_stop(t);
  return NULL;
}
