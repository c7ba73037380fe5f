/* The engine's calls as the addon exports them (addon.c): start, drain, stop, nowMs. */
#ifndef PC_ENGINE_GLUE_H
#define PC_ENGINE_GLUE_H
#include <node_api.h>

napi_value pc_napi_start(napi_env env, napi_callback_info info);
napi_value pc_napi_drain(napi_env env, napi_callback_info info);
napi_value pc_napi_stop(napi_env env, napi_callback_info info);
napi_value pc_napi_now_ms(napi_env env, napi_callback_info info);

#endif
