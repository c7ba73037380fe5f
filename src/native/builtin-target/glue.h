/* The Node-API face of the built-in target (builtin-target/loop.c), registered by addon.c. */
#ifndef PC_TARGET_GLUE_H
#define PC_TARGET_GLUE_H
#include <node_api.h>

/* targetStart(config) -> { handle, addresses: { host, port }[] }: listening on every thread when it returns. */
napi_value pc_napi_target_start(napi_env env, napi_callback_info info);
/* targetStats(handle) -> JSON text of the counts (abi.json's targetStats), as GET /__portchurn/stats serves them. */
napi_value pc_napi_target_stats(napi_env env, napi_callback_info info);
/* targetStop(handle): closes every connection and listener and joins the threads; the counts stay readable. */
napi_value pc_napi_target_stop(napi_env env, napi_callback_info info);

#endif
