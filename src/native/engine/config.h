/*
 * The configuration start() takes, read from JavaScript as untrusted input: every field of
 * abi.json's config checked for its type and range before it is cast or stored (api/fields.h),
 * an unknown or missing field refused, each refusal a TypeError or RangeError naming the field.
 */
#ifndef PC_CONFIG_H
#define PC_CONFIG_H
#include <node_api.h>

#include "api/fields.h"
#include "engine/loop.h"

/*
 * Fills `cfg` from a configuration object. Returns 1, or 0 after throwing an error that names
 * the field; what was allocated so far is in `cfg` either way, for pc_loop_free.
 */
int pc_config_parse(napi_env env, napi_value obj, pc_config *cfg);

#endif
