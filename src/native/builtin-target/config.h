/* The target's configuration from JavaScript (abi.json's targetConfig), read as config.c reads the engine's. */
#ifndef PC_TARGET_CONFIG_H
#define PC_TARGET_CONFIG_H
#include <node_api.h>

#include "builtin-target/target.h"

/* Fills `cfg`; 1, or 0 after throwing an error that names the field (what was allocated is in cfg, for pc_target_free). */
int pc_target_config_parse(napi_env env, napi_value obj, pc_target_config *cfg);

#endif
