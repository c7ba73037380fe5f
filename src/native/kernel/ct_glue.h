#ifndef PC_CT_GLUE_H
#define PC_CT_GLUE_H
#include <node_api.h>

/* netnsConntrack(handle): the namespace's conntrack statistics and NAT mappings held, as one buffer (layout in ct_glue.c). */
napi_value pc_napi_netns_conntrack(napi_env env, napi_callback_info info);

#endif
