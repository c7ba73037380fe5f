#include "abi.h"

#include <stddef.h>

#include "engine/loop.h"
#include "engine/record.h"
#include "kernel/socket_dump.h"
#include "builtin-target/target.h"

/* Bytes of each field type abi.json names. */
#define PC_TYPE_BYTES_U8 1
#define PC_TYPE_BYTES_U16 2
#define PC_TYPE_BYTES_U32 4
#define PC_TYPE_BYTES_U64 8
#define PC_TYPE_BYTES_I32 4
#define PC_TYPE_BYTES_F64 8
#define PC_TYPE_BYTES_ADDR16 16

#define FIELD_SIZE(STRUCT, FIELD) sizeof(((STRUCT *)0)->FIELD)

/* Compile-time: every field where abi.json says, of the size its type has, and the whole record its size. */
#define ASSERT_ATTEMPT(JS, FIELD, TYPE, OFFSET)                                                                                  \
  _Static_assert(offsetof(PC_ATTEMPT_RECORD_STRUCT, FIELD) == (OFFSET), "abi.json: records.attempt." #JS " is not at " #OFFSET); \
  _Static_assert(FIELD_SIZE(PC_ATTEMPT_RECORD_STRUCT, FIELD) == PC_TYPE_BYTES_##TYPE, "abi.json: records.attempt." #JS " is not " #TYPE);
PC_ATTEMPT_RECORD_FIELDS(ASSERT_ATTEMPT)
_Static_assert(sizeof(PC_ATTEMPT_RECORD_STRUCT) == PC_ATTEMPT_RECORD_BYTES, "abi.json: records.attempt has another size");

#define ASSERT_SOCKET(JS, FIELD, TYPE, OFFSET)                                                                                 \
  _Static_assert(offsetof(PC_SOCKET_RECORD_STRUCT, FIELD) == (OFFSET), "abi.json: records.socket." #JS " is not at " #OFFSET); \
  _Static_assert(FIELD_SIZE(PC_SOCKET_RECORD_STRUCT, FIELD) == PC_TYPE_BYTES_##TYPE, "abi.json: records.socket." #JS " is not " #TYPE);
PC_SOCKET_RECORD_FIELDS(ASSERT_SOCKET)
_Static_assert(sizeof(PC_SOCKET_RECORD_STRUCT) == PC_SOCKET_RECORD_BYTES, "abi.json: records.socket has another size");

/* The enums engine/config.c and builtin-target/config.c cast to, in the order abi.json lists their values. */
#define ASSERT_PORT_MODE(ID, NAME, INDEX) _Static_assert(PC_PORT_##ID == (INDEX), "abi.json: portMode " NAME " is not value " #INDEX);
PC_CONFIG_PORT_MODE_VALUES(ASSERT_PORT_MODE)
#define ASSERT_CLOSE(ID, NAME, INDEX) _Static_assert(PC_CLOSE_##ID == (INDEX), "abi.json: close " NAME " is not value " #INDEX);
PC_CONFIG_CLOSE_VALUES(ASSERT_CLOSE)
#define ASSERT_TARGET_CLOSE(ID, NAME, INDEX) \
  _Static_assert(PC_TCLOSE_##ID == (INDEX), "abi.json: targetConfig.close " NAME " is not value " #INDEX);
PC_TARGET_CONFIG_CLOSE_VALUES(ASSERT_TARGET_CLOSE)
#define ASSERT_TARGET_PROTOCOL(ID, NAME, INDEX) \
  _Static_assert(PC_TPROTO_##ID == (INDEX), "abi.json: targetConfig.protocol " NAME " is not value " #INDEX);
PC_TARGET_CONFIG_PROTOCOL_VALUES(ASSERT_TARGET_PROTOCOL)

static int set_uint(napi_env env, napi_value obj, const char *name, uint32_t value) {
  napi_value v;
  return napi_create_uint32(env, value, &v) == napi_ok && napi_set_named_property(env, obj, name, v) == napi_ok;
}

/* One field as this build laid it out. */
typedef struct {
  const char *name;
  size_t offset, bytes;
} field_layout;

#define ATTEMPT_ENTRY(JS, FIELD, TYPE, OFFSET) \
  {#JS, offsetof(PC_ATTEMPT_RECORD_STRUCT, FIELD), FIELD_SIZE(PC_ATTEMPT_RECORD_STRUCT, FIELD)},
static const field_layout ATTEMPT_LAYOUT[] = {PC_ATTEMPT_RECORD_FIELDS(ATTEMPT_ENTRY)};
#define SOCKET_ENTRY(JS, FIELD, TYPE, OFFSET) {#JS, offsetof(PC_SOCKET_RECORD_STRUCT, FIELD), FIELD_SIZE(PC_SOCKET_RECORD_STRUCT, FIELD)},
static const field_layout SOCKET_LAYOUT[] = {PC_SOCKET_RECORD_FIELDS(SOCKET_ENTRY)};

/* { bytes, fields: { name: { offset, bytes } } } */
static napi_value record_layout(napi_env env, size_t bytes, const field_layout *layout, size_t count) {
  napi_value r, fields, f;
  if (napi_create_object(env, &r) != napi_ok || napi_create_object(env, &fields) != napi_ok || !set_uint(env, r, "bytes", (uint32_t)bytes))
    return NULL;
  for (size_t i = 0; i < count; i++) {
    if (napi_create_object(env, &f) != napi_ok || !set_uint(env, f, "offset", (uint32_t)layout[i].offset) ||
        !set_uint(env, f, "bytes", (uint32_t)layout[i].bytes) || napi_set_named_property(env, fields, layout[i].name, f) != napi_ok)
      return NULL;
  }
  return napi_set_named_property(env, r, "fields", fields) == napi_ok ? r : NULL;
}

/* An array of the names an X-macro list gives (NAME is its second argument). */
static napi_value names(napi_env env, const char *const *list, size_t count) {
  napi_value arr, s;
  if (napi_create_array_with_length(env, count, &arr) != napi_ok) return NULL;
  for (size_t i = 0; i < count; i++)
    if (napi_create_string_utf8(env, list[i], NAPI_AUTO_LENGTH, &s) != napi_ok || napi_set_element(env, arr, (uint32_t)i, s) != napi_ok)
      return NULL;
  return arr;
}

#define CONFIG_NAME(ID, NAME, TYPE, MIN, MAX, NULLABLE) NAME,
static const char *const CONFIG_NAMES[] = {PC_CONFIG_FIELDS(CONFIG_NAME)};
static const char *const TARGET_CONFIG_NAMES[] = {PC_TARGET_CONFIG_FIELDS(CONFIG_NAME)};
#define DRAIN_NAME(ID, NAME) NAME,
static const char *const DRAIN_NAMES[] = {PC_DRAIN_FIELDS(DRAIN_NAME)};

napi_value pc_napi_abi(napi_env env) {
  napi_value abi, records, attempt, socket, config, target_config, drain;
  if (napi_create_object(env, &abi) != napi_ok || napi_create_object(env, &records) != napi_ok) return NULL;
  attempt = record_layout(env, sizeof(PC_ATTEMPT_RECORD_STRUCT), ATTEMPT_LAYOUT, sizeof ATTEMPT_LAYOUT / sizeof ATTEMPT_LAYOUT[0]);
  socket = record_layout(env, sizeof(PC_SOCKET_RECORD_STRUCT), SOCKET_LAYOUT, sizeof SOCKET_LAYOUT / sizeof SOCKET_LAYOUT[0]);
  config = names(env, CONFIG_NAMES, sizeof CONFIG_NAMES / sizeof CONFIG_NAMES[0]);
  target_config = names(env, TARGET_CONFIG_NAMES, sizeof TARGET_CONFIG_NAMES / sizeof TARGET_CONFIG_NAMES[0]);
  drain = names(env, DRAIN_NAMES, sizeof DRAIN_NAMES / sizeof DRAIN_NAMES[0]);
  if (!attempt || !socket || !config || !target_config || !drain ||
      napi_set_named_property(env, abi, "targetConfig", target_config) != napi_ok || !set_uint(env, abi, "version", PC_ABI_VERSION) ||
      napi_set_named_property(env, records, "attempt", attempt) != napi_ok ||
      napi_set_named_property(env, records, "socket", socket) != napi_ok ||
      napi_set_named_property(env, abi, "records", records) != napi_ok || napi_set_named_property(env, abi, "config", config) != napi_ok ||
      napi_set_named_property(env, abi, "drain", drain) != napi_ok)
    return NULL;
  return abi;
}
