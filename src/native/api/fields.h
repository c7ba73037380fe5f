/*
 * A configuration from JavaScript is untrusted input: each field is read by the spec abi.json
 * gives it (type, range, nullable), checked before it is cast or stored; an unknown or missing
 * field is refused; each refusal is a TypeError or RangeError that names the field.
 */
#ifndef PC_FIELDS_H
#define PC_FIELDS_H
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#include "api/gen/abi.h" /* the fields abi.json lists (PC_CONFIG_FIELDS, ...) */
#include "common/endpoint.h"

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

/* Each returns 1, or 0 after throwing an error naming the field. */
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

/* { low, high }, two ports with low <= high; *low = *high = 0 when null. */
int pc_read_range(napi_env env, napi_value obj, const pc_field_spec *spec, uint16_t *low, uint16_t *high);
/* Ports into a 65536-bit map (NULL when the list is empty). */
int pc_read_ports(napi_env env, napi_value obj, const pc_field_spec *spec, uint8_t **map);
/* A Buffer (any Uint8Array) copied into a malloc'd array; NULL and 0 when null or empty. */
int pc_read_bytes(napi_env env, napi_value obj, const pc_field_spec *spec, uint8_t **out, size_t *len);
/* Throws a TypeError "<where> must be <what>"; returns 0. */
int pc_type_error(napi_env env, const char *where, const char *what);

#endif
