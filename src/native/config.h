/*
 * The configuration start() takes, read from JavaScript as untrusted input: every field of
 * abi.json's config checked for its type and range before it is cast or stored, an unknown or
 * missing field refused, each refusal a TypeError or RangeError that names the field.
 */
#ifndef PC_CONFIG_H
#define PC_CONFIG_H
#include <node_api.h>
#include <stddef.h>

#include "loop.h"

/* The kinds of field abi.json describes (its "type"). */
typedef enum {
  PC_FIELD_ENDPOINTS,
  PC_FIELD_LISTEN,
  PC_FIELD_ADDRESSES,
  PC_FIELD_ENUM,
  PC_FIELD_RANGE,
  PC_FIELD_PORTS,
  PC_FIELD_BYTES,
  PC_FIELD_BOOL,
  PC_FIELD_INT,
  PC_FIELD_NUMBER,
} pc_field_type;

/* One field of the configuration, as abi.json states it. */
typedef struct {
  const char *name;
  pc_field_type type;
  double min, max; /* numbers: the value; arrays and bytes: the length */
  int nullable;
} pc_field_spec;

/*
 * Fills `cfg` from a configuration object. Returns 1, or 0 after throwing an error that names
 * the field; what was allocated so far is in `cfg` either way, for pc_loop_free.
 */
int pc_config_parse(napi_env env, napi_value obj, pc_config *cfg);

/* Readers shared with target_config.c and diag_glue.c; each returns 1, or 0 after throwing an error naming the field. */
/* Refuses a property the field list does not name: a field JavaScript thinks it sets must not be ignored. */
int pc_check_known_fields(napi_env env, napi_value obj, const pc_field_spec *const *fields, size_t count);
/* An endpoints, listen or addresses field into a calloc'd array (IP literals; ports as the type allows). */
int pc_read_endpoints(napi_env env, napi_value obj, const pc_field_spec *spec, pc_endpoint **out, int *count);
int pc_read_enum(napi_env env, napi_value obj, const pc_field_spec *spec, const char *const *values, size_t count, int *out);
/* An int or number field in its range; `if_null` when it is null (a nullable field). */
int pc_read_field_number(napi_env env, napi_value obj, const pc_field_spec *spec, double if_null, double *out);
int pc_read_bool(napi_env env, napi_value obj, const pc_field_spec *spec, int *out);
int pc_read_number(napi_env env, napi_value v, const char *where, double min, double max, int integer, double *out);
int pc_read_array(napi_env env, napi_value v, const char *where, double min, double max, uint32_t *length);
/* An IP literal (IPv4 or IPv6) into `buf`. */
int pc_read_ip(napi_env env, napi_value v, const char *where, char *buf, size_t size);

#endif
