#include "napi_util.h"

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

void *pc_napi_handle(napi_env env, napi_callback_info info, const char *what) {
  size_t argc = 1;
  napi_value h;
  void *data = NULL;
  napi_valuetype type = napi_undefined;
  if (napi_get_cb_info(env, info, &argc, &h, NULL, NULL) != napi_ok || argc < 1 || napi_typeof(env, h, &type) != napi_ok ||
      type != napi_external || napi_get_value_external(env, h, &data) != napi_ok) {
    char message[96];
    snprintf(message, sizeof message, "expected a native %s handle", what);
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  return data;
}
