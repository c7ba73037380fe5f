/*
 * The addon's one entry: every call JavaScript sees, by subsystem (the engine, the built-in
 * target, the kernel's socket and namespace readers), and the layout this build has (abi.c).
 * src/addon/addon.ts loads it and checks that layout against abi.json.
 */
#include <node_api.h>

#include "abi.h"
#include "engine/glue.h"
#include "kernel/diag_glue.h"
#include "kernel/ct_glue.h"
#include "kernel/netns_glue.h"
#include "kernel/probe_glue.h"
#include "builtin-target/glue.h"

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"start", NULL, pc_napi_start, NULL, NULL, NULL, napi_default, NULL},
      {"drain", NULL, pc_napi_drain, NULL, NULL, NULL, napi_default, NULL},
      {"stop", NULL, pc_napi_stop, NULL, NULL, NULL, napi_default, NULL},
      {"nowMs", NULL, pc_napi_now_ms, NULL, NULL, NULL, napi_default, NULL},
      {"countSockets", NULL, pc_napi_count_sockets, NULL, NULL, NULL, napi_default, NULL},
      {"dumpSockets", NULL, pc_napi_dump_sockets, NULL, NULL, NULL, napi_default, NULL},
      {"targetStart", NULL, pc_napi_target_start, NULL, NULL, NULL, napi_default, NULL},
      {"targetStats", NULL, pc_napi_target_stats, NULL, NULL, NULL, napi_default, NULL},
      {"targetStop", NULL, pc_napi_target_stop, NULL, NULL, NULL, napi_default, NULL},
      {"netnsOpen", NULL, pc_napi_netns_open, NULL, NULL, NULL, napi_default, NULL},
      {"netnsDump", NULL, pc_napi_netns_dump, NULL, NULL, NULL, napi_default, NULL},
      {"netnsRead", NULL, pc_napi_netns_read, NULL, NULL, NULL, napi_default, NULL},
      {"netnsClose", NULL, pc_napi_netns_close, NULL, NULL, NULL, napi_default, NULL},
      {"netnsConntrack", NULL, pc_napi_netns_conntrack, NULL, NULL, NULL, napi_default, NULL},
      {"probePortSearch", NULL, pc_napi_probe_port_search, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value abi = pc_napi_abi(env);
  if (!abi || napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok ||
      napi_set_named_property(env, exports, "abi", abi) != napi_ok)
    return NULL;
  return exports;
}
