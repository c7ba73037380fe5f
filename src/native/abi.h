/*
 * The addon's side of abi.json: abi.c asserts at compile time that the structures here have the
 * sizes and offsets abi.json states, and pc_napi_abi hands JavaScript the layout this build has,
 * which src/addon/abi.ts compares with abi.json when it loads the addon.
 */
#ifndef PC_ABI_H
#define PC_ABI_H
#include <node_api.h>

#include "api/gen/abi.h"

/* exports.abi: { version, records: { attempt: { bytes, fields: { name: { offset, bytes } } }, socket }, config, drain } */
napi_value pc_napi_abi(napi_env env);

#endif
