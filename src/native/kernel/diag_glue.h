/* The Node-API face of socket counting (socket_count.c), registered by addon.c. */
#ifndef PC_DIAG_GLUE_H
#define PC_DIAG_GLUE_H
#include <node_api.h>

/* countSockets({ sources: string[], destinations: { host, port }[] })
   -> { client: number[13], server: number[13], portsHeld: number[], sockets } (by state number) */
napi_value pc_napi_count_sockets(napi_env env, napi_callback_info info);

/* dumpSockets() -> Buffer of PC_DUMP_RECORD_BYTES records (socket_dump.h), every TCP socket here */
napi_value pc_napi_dump_sockets(napi_env env, napi_callback_info info);

#endif
