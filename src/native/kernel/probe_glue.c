#define _GNU_SOURCE
#include "kernel/probe_glue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/fields.h"
#include "kernel/port_probe.h"

/* The most connections one probe makes: a namespace's whole 60,000-port range at most. */
#define PROBE_MAX 65536

napi_value pc_napi_probe_port_search(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "probePortSearch(call, count) needs both");
    return NULL;
  }
  char call[16];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, args[0], call, sizeof call, &len) != napi_ok ||
      (strcmp(call, "connect") != 0 && strcmp(call, "bind") != 0)) {
    napi_throw_type_error(env, NULL, "probePortSearch: call must be 'connect' or 'bind'");
    return NULL;
  }
  double count = 0;
  if (!pc_read_number(env, args[1], "count", 1, PROBE_MAX, 1, &count)) return NULL;
  uint32_t *times = malloc((size_t)count * sizeof *times);
  if (!times) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  int made = pc_port_probe(strcmp(call, "bind") == 0 ? PC_PROBE_BIND : PC_PROBE_CONNECT, (int)count, times);
  if (made < 0) {
    free(times);
    napi_throw_error(env, "EPROBE", strerror(-made));
    return NULL;
  }
  void *data = NULL;
  napi_value out;
  if (napi_create_arraybuffer(env, (size_t)made * sizeof *times, &data, &out) != napi_ok) {
    free(times);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  if (made > 0) memcpy(data, times, (size_t)made * sizeof *times);
  free(times);
  return out;
}
