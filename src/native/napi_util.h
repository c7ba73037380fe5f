/* Small pieces every Node-API file of the addon needs, written once. */
#ifndef PC_NAPI_UTIL_H
#define PC_NAPI_UTIL_H
#include <node_api.h>

/* Throws an Error with `message`; returns NULL, for `return pc_napi_fail(...)`. */
napi_value pc_napi_fail(napi_env env, const char *message);
/* The first argument; throws a TypeError naming `call` and returns 0 when there is none. */
int pc_napi_first_arg(napi_env env, napi_callback_info info, const char *call, napi_value *out);
/* The data behind the handle passed first (an external made by the addon); throws a TypeError naming `what` otherwise. */
void *pc_napi_handle(napi_env env, napi_callback_info info, const char *what);

#endif
