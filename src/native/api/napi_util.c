#include "api/napi_util.h"

#include <stdbool.h>
#include <stdio.h>

napi_value pc_napi_fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

int pc_napi_first_arg(napi_env env, napi_callback_info info, const char *call, napi_value *out) {
  size_t argc = 1;
  if (napi_get_cb_info(env, info, &argc, out, NULL, NULL) == napi_ok && argc >= 1) return 1;
  char message[128];
  snprintf(message, sizeof message, "native config: %s needs a configuration", call);
  napi_throw_type_error(env, NULL, message);
  return 0;
}

/* One tag per kind: random 128-bit values, fixed for this addon. */
static const napi_type_tag TAGS[] = {
    [PC_HANDLE_LOOP] = {0x7c2f6a1d9b3e4f50ULL, 0x8a61d2c47e05b913ULL},
    [PC_HANDLE_TARGET] = {0x3e9b51c07a24d6f8ULL, 0xc1f0827d5b36e4a9ULL},
    [PC_HANDLE_NETNS] = {0xd4a7e2306f185cb1ULL, 0x5b92f6e3a0c7148dULL},
};
static const char *const NAMES[] = {[PC_HANDLE_LOOP] = "loop", [PC_HANDLE_TARGET] = "target", [PC_HANDLE_NETNS] = "namespace"};

int pc_napi_new_handle(napi_env env, void *data, napi_finalize finalize, pc_handle_kind kind, napi_value *out) {
  if (napi_create_external(env, data, finalize, NULL, out) != napi_ok) return PC_HANDLE_NOT_MADE;
  if (napi_type_tag_object(env, *out, &TAGS[kind]) != napi_ok) return PC_HANDLE_UNTAGGED;
  return PC_HANDLE_MADE;
}

void *pc_napi_handle_of(napi_env env, napi_value value, pc_handle_kind kind) {
  void *data = NULL;
  napi_valuetype type = napi_undefined;
  bool tagged = false;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_check_object_type_tag(env, value, &TAGS[kind], &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, value, &data) != napi_ok || !data) {
    char message[96];
    snprintf(message, sizeof message, "expected a native %s handle", NAMES[kind]);
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  return data;
}

void *pc_napi_handle(napi_env env, napi_callback_info info, pc_handle_kind kind) {
  size_t argc = 1;
  napi_value h;
  if (napi_get_cb_info(env, info, &argc, &h, NULL, NULL) != napi_ok || argc < 1) {
    char message[96];
    snprintf(message, sizeof message, "expected a native %s handle", NAMES[kind]);
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  return pc_napi_handle_of(env, h, kind);
}
