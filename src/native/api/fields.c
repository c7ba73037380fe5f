/*
 * Reading a configuration field by field, as abi.json states each one (api/fields.h): shared by
 * the engine's configuration (engine/config.c), the target's (builtin-target/config.c) and the socket
 * readers' scopes (kernel/diag_glue.c).
 */
#define _GNU_SOURCE
#include "api/fields.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MESSAGE_BYTES 256

/* A number as JavaScript prints it: NaN, Infinity, the shortest digits that read back the same. */
static void format_number(double v, char *buf, size_t size) {
  if (isnan(v))
    snprintf(buf, size, "NaN");
  else if (isinf(v))
    snprintf(buf, size, v > 0 ? "Infinity" : "-Infinity");
  else {
    snprintf(buf, size, "%.15g", v);
    if (strtod(buf, NULL) != v) snprintf(buf, size, "%.17g", v);
  }
}

int pc_type_error(napi_env env, const char *where, const char *what) {
  char message[MESSAGE_BYTES];
  snprintf(message, sizeof message, "native config: %s must be %s", where, what);
  napi_throw_type_error(env, NULL, message);
  return 0;
}

static int range_error(napi_env env, const char *message) {
  char full[MESSAGE_BYTES + 32];
  snprintf(full, sizeof full, "native config: %s", message);
  napi_throw_range_error(env, NULL, full);
  return 0;
}

static napi_valuetype type_of(napi_env env, napi_value v) {
  napi_valuetype t = napi_undefined;
  if (napi_typeof(env, v, &t) != napi_ok) return napi_undefined;
  return t;
}

int pc_read_number(napi_env env, napi_value v, const char *where, double min, double max, int integer, double *out) {
  double d;
  if (type_of(env, v) != napi_number || napi_get_value_double(env, v, &d) != napi_ok) return pc_type_error(env, where, "a number");
  /* NaN fails every comparison, so it is refused here with the infinities: no cast ever sees it. */
  if (!(d >= min && d <= max) || (integer && floor(d) != d)) {
    char value[32], lo[32], hi[32], message[MESSAGE_BYTES];
    format_number(d, value, sizeof value);
    format_number(min, lo, sizeof lo);
    format_number(max, hi, sizeof hi);
    snprintf(message, sizeof message, "%s must be %s from %s to %s, not %s", where, integer ? "an integer" : "a number", lo, hi, value);
    return range_error(env, message);
  }
  *out = d;
  return 1;
}

int pc_read_array(napi_env env, napi_value v, const char *where, double min, double max, uint32_t *length) {
  bool is_array = false;
  if (napi_is_array(env, v, &is_array) != napi_ok || !is_array || napi_get_array_length(env, v, length) != napi_ok)
    return pc_type_error(env, where, "an array");
  if (*length < min || *length > max) {
    char lo[32], hi[32], message[MESSAGE_BYTES];
    format_number(min, lo, sizeof lo);
    format_number(max, hi, sizeof hi);
    snprintf(message, sizeof message, "%s must have from %s to %s entries, not %u", where, lo, hi, *length);
    return range_error(env, message);
  }
  return 1;
}

int pc_read_ip(napi_env env, napi_value v, const char *where, char *buf, size_t size) {
  size_t len = 0;
  unsigned char scratch[16];
  if (type_of(env, v) != napi_string || napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok || len + 1 >= size ||
      (inet_pton(AF_INET, buf, scratch) != 1 && inet_pton(AF_INET6, buf, scratch) != 1))
    return pc_type_error(env, where, "an IP address literal");
  return 1;
}

/* "127.0.0.1" or "::1" and a port into an endpoint (pc_read_ip checked that it parses). */
static void endpoint_of(const char *host, uint16_t port, pc_endpoint *out) {
  memset(out, 0, sizeof *out);
  struct sockaddr_in *in4 = (struct sockaddr_in *)&out->addr;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->addr;
  if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    out->len = sizeof *in4;
  } else {
    inet_pton(AF_INET6, host, &in6->sin6_addr);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    out->len = sizeof *in6;
  }
}

static int get_named(napi_env env, napi_value obj, const char *name, napi_value *out) {
  bool has = false;
  return napi_has_named_property(env, obj, name, &has) == napi_ok && has && napi_get_named_property(env, obj, name, out) == napi_ok;
}

/* The field's value; *is_null set when it is null (which only a nullable field may be). */
static int get_field(napi_env env, napi_value obj, const pc_field_spec *spec, napi_value *v, int *is_null) {
  char what[64];
  *is_null = 0;
  if (!get_named(env, obj, spec->name, v)) {
    snprintf(what, sizeof what, "given (it is missing)");
    return pc_type_error(env, spec->name, what);
  }
  if (type_of(env, *v) == napi_null) {
    if (!spec->nullable) return pc_type_error(env, spec->name, "set (null is not allowed)");
    *is_null = 1;
  }
  return 1;
}

int pc_check_known_fields(napi_env env, napi_value obj, const pc_field_spec *const *fields, size_t count) {
  napi_value names;
  uint32_t n = 0;
  if (napi_get_property_names(env, obj, &names) != napi_ok || napi_get_array_length(env, names, &n) != napi_ok)
    return pc_type_error(env, "the configuration", "an object");
  for (uint32_t i = 0; i < n; i++) {
    napi_value name_v;
    char name[64];
    size_t len = 0;
    if (napi_get_element(env, names, i, &name_v) != napi_ok || napi_get_value_string_utf8(env, name_v, name, sizeof name, &len) != napi_ok)
      return pc_type_error(env, "every field name", "a string");
    int known = 0;
    for (size_t f = 0; f < count && !known; f++) known = strcmp(fields[f]->name, name) == 0;
    if (!known) {
      char message[MESSAGE_BYTES];
      snprintf(message, sizeof message, "native config: unknown field %s", name);
      napi_throw_type_error(env, NULL, message);
      return 0;
    }
  }
  return 1;
}

int pc_read_endpoints(napi_env env, napi_value obj, const pc_field_spec *spec, pc_endpoint **out, int *count) {
  /* endpoints: { host, port 1-65535 }; listen: { host, port 0-65535 } (0: any free port); addresses: strings. */
  int with_port = spec->type == PC_FIELD_ENDPOINTS || spec->type == PC_FIELD_LISTEN;
  double port_min = spec->type == PC_FIELD_LISTEN ? 0 : 1;
  napi_value arr;
  int is_null;
  uint32_t n = 0;
  if (!get_field(env, obj, spec, &arr, &is_null) || !pc_read_array(env, arr, spec->name, spec->min, spec->max, &n)) return 0;
  *out = calloc(n ? n : 1, sizeof **out);
  if (!*out) return pc_type_error(env, spec->name, "smaller (out of memory)");
  for (uint32_t i = 0; i < n; i++) {
    napi_value item, host_v, port_v;
    char where[64], host[64];
    double port = 0;
    if (napi_get_element(env, arr, i, &item) != napi_ok) return pc_type_error(env, spec->name, "an array");
    if (with_port) {
      snprintf(where, sizeof where, "%s[%u]", spec->name, i);
      if (type_of(env, item) != napi_object) return pc_type_error(env, where, "{ host, port }");
      snprintf(where, sizeof where, "%s[%u].host", spec->name, i);
      if (!get_named(env, item, "host", &host_v) || !pc_read_ip(env, host_v, where, host, sizeof host)) return 0;
      snprintf(where, sizeof where, "%s[%u].port", spec->name, i);
      if (!get_named(env, item, "port", &port_v)) return pc_type_error(env, where, "a number");
      if (!pc_read_number(env, port_v, where, port_min, 65535, 1, &port)) return 0;
    } else {
      snprintf(where, sizeof where, "%s[%u]", spec->name, i);
      if (!pc_read_ip(env, item, where, host, sizeof host)) return 0;
    }
    endpoint_of(host, (uint16_t)port, &(*out)[i]);
  }
  *count = (int)n;
  return 1;
}

int pc_read_enum(napi_env env, napi_value obj, const pc_field_spec *spec, const char *const *values, size_t count, int *out) {
  napi_value v;
  int is_null;
  char text[32], what[MESSAGE_BYTES] = "one of ";
  size_t len = 0;
  if (!get_field(env, obj, spec, &v, &is_null)) return 0;
  for (size_t i = 0; i < count; i++) {
    strncat(what, values[i], sizeof what - strlen(what) - 1);
    if (i + 1 < count) strncat(what, ", ", sizeof what - strlen(what) - 1);
  }
  if (type_of(env, v) != napi_string || napi_get_value_string_utf8(env, v, text, sizeof text, &len) != napi_ok || len + 1 >= sizeof text)
    return pc_type_error(env, spec->name, what);
  for (size_t i = 0; i < count; i++) {
    if (strcmp(text, values[i]) == 0) {
      *out = (int)i;
      return 1;
    }
  }
  return pc_type_error(env, spec->name, what);
}

int pc_read_field_number(napi_env env, napi_value obj, const pc_field_spec *spec, double if_null, double *out) {
  napi_value v;
  int is_null;
  if (!get_field(env, obj, spec, &v, &is_null)) return 0;
  if (is_null) {
    *out = if_null;
    return 1;
  }
  return pc_read_number(env, v, spec->name, spec->min, spec->max, spec->type == PC_FIELD_INT, out);
}

int pc_read_bool(napi_env env, napi_value obj, const pc_field_spec *spec, int *out) {
  napi_value v;
  int is_null;
  bool b = false;
  if (!get_field(env, obj, spec, &v, &is_null)) return 0;
  if (type_of(env, v) != napi_boolean || napi_get_value_bool(env, v, &b) != napi_ok) return pc_type_error(env, spec->name, "a boolean");
  *out = b ? 1 : 0;
  return 1;
}

/* { low, high }, two ports with low <= high; *low = *high = 0 when null. */
int pc_read_range(napi_env env, napi_value obj, const pc_field_spec *spec, uint16_t *low, uint16_t *high) {
  napi_value v, low_v, high_v;
  int is_null;
  char where[64];
  double lo = 0, hi = 0;
  *low = *high = 0;
  if (!get_field(env, obj, spec, &v, &is_null)) return 0;
  if (is_null) return 1;
  if (type_of(env, v) != napi_object) return pc_type_error(env, spec->name, "{ low, high } or null");
  snprintf(where, sizeof where, "%s.low", spec->name);
  if (!get_named(env, v, "low", &low_v)) return pc_type_error(env, where, "a number");
  if (!pc_read_number(env, low_v, where, 1, 65535, 1, &lo)) return 0;
  snprintf(where, sizeof where, "%s.high", spec->name);
  if (!get_named(env, v, "high", &high_v)) return pc_type_error(env, where, "a number");
  if (!pc_read_number(env, high_v, where, 1, 65535, 1, &hi)) return 0;
  if (lo > hi) {
    char message[MESSAGE_BYTES];
    snprintf(message, sizeof message, "%s.low must not be above %s.high", spec->name, spec->name);
    return range_error(env, message);
  }
  *low = (uint16_t)lo;
  *high = (uint16_t)hi;
  return 1;
}

/* Ports into a 65536-bit map (NULL when the list is empty). */
int pc_read_ports(napi_env env, napi_value obj, const pc_field_spec *spec, uint8_t **map) {
  napi_value arr;
  int is_null;
  uint32_t n = 0;
  *map = NULL;
  if (!get_field(env, obj, spec, &arr, &is_null) || !pc_read_array(env, arr, spec->name, spec->min, spec->max, &n)) return 0;
  if (n == 0) return 1;
  *map = calloc(65536 / 8, 1);
  if (!*map) return pc_type_error(env, spec->name, "smaller (out of memory)");
  for (uint32_t i = 0; i < n; i++) {
    napi_value p;
    char where[64];
    double port;
    snprintf(where, sizeof where, "%s[%u]", spec->name, i);
    if (napi_get_element(env, arr, i, &p) != napi_ok || !pc_read_number(env, p, where, 0, 65535, 1, &port)) return 0;
    unsigned u = (unsigned)port;
    (*map)[u >> 3] |= (uint8_t)(1u << (u & 7));
  }
  return 1;
}

/* A Buffer (any Uint8Array) copied into a malloc'd array; NULL and 0 when null or empty. */
int pc_read_bytes(napi_env env, napi_value obj, const pc_field_spec *spec, uint8_t **out, size_t *len) {
  napi_value v;
  int is_null;
  bool is_typed = false;
  *out = NULL;
  *len = 0;
  if (!get_field(env, obj, spec, &v, &is_null)) return 0;
  if (is_null) return 1;
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void *data = NULL;
  napi_value buffer;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_uint8_array)
    return pc_type_error(env, spec->name, "a Buffer or null");
  if (length < spec->min || length > spec->max) {
    char lo[32], hi[32], message[MESSAGE_BYTES];
    format_number(spec->min, lo, sizeof lo);
    format_number(spec->max, hi, sizeof hi);
    snprintf(message, sizeof message, "%s must have from %s to %s bytes, not %zu", spec->name, lo, hi, length);
    return range_error(env, message);
  }
  if (length == 0) return 1;
  *out = malloc(length);
  if (!*out) return pc_type_error(env, spec->name, "smaller (out of memory)");
  memcpy(*out, data, length);
  *len = length;
  return 1;
}
