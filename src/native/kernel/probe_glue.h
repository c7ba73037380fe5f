/* The Node-API face of the port-search probe (port_probe.c), registered by addon.c. */
#ifndef PC_PROBE_GLUE_H
#define PC_PROBE_GLUE_H
#include <node_api.h>

/* probePortSearch(call: 'connect' | 'bind', count) -> ArrayBuffer of u32: ns of each searching call
   made, in order (fewer than count when the range ran out); throws with the errno's name when the
   probe could not run. Run it only in a namespace whose range was set for it: it fills the range. */
napi_value pc_napi_probe_port_search(napi_env env, napi_callback_info info);

#endif
