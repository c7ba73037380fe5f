/* The Node-API face of netns.c (another network namespace, read from this one), registered by addon.c. */
#ifndef PC_NETNS_GLUE_H
#define PC_NETNS_GLUE_H
#include <node_api.h>

/* netnsOpen(path, files: string[]) -> { handle, inode }; throws with the errno's code (EPERM, ENOENT...). */
napi_value pc_napi_netns_open(napi_env env, napi_callback_info info);
/* netnsDump(handle) -> Buffer of socket records (abi.json's records.socket): every TCP socket of that namespace. */
napi_value pc_napi_netns_dump(napi_env env, napi_callback_info info);
/* netnsRead(handle, index) -> the text of files[index] as that namespace has it, or null when it was not there. */
napi_value pc_napi_netns_read(napi_env env, napi_callback_info info);
/* netnsClose(handle): closes the socket and files now (the handle's finalizer would, later). */
napi_value pc_napi_netns_close(napi_env env, napi_callback_info info);

#endif
