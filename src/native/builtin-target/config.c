#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fields.h"
#include "builtin-target/config.h"

/* One spec per field of abi.json's targetConfig (TSPEC_LISTEN, ...). */
#define SPEC(ID, NAME, TYPE, MIN, MAX, NULLABLE) static const pc_field_spec TSPEC_##ID = {NAME, PC_FIELD_##TYPE, MIN, MAX, NULLABLE};
PC_TARGET_CONFIG_FIELDS(SPEC)
#undef SPEC
#define ENTRY(ID, NAME, TYPE, MIN, MAX, NULLABLE) &TSPEC_##ID,
static const pc_field_spec *const FIELDS[] = {PC_TARGET_CONFIG_FIELDS(ENTRY)};
#undef ENTRY
#define VALUE(ID, NAME, INDEX) NAME,
static const char *const CLOSE_POLICIES[] = {PC_TARGET_CONFIG_CLOSE_VALUES(VALUE)};
static const char *const PROTOCOLS[] = {PC_TARGET_CONFIG_PROTOCOL_VALUES(VALUE)};
#undef VALUE

/* "HTTP/1.1 200 OK" with the body, prepared once: every response is this buffer, written as is. */
static char *response(const char *connection, size_t body_bytes, size_t *len) {
  char head[160];
  int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\nConnection: %s\r\n\r\n",
                   body_bytes, connection);
  char *out = malloc((size_t)n + body_bytes);
  if (!out) return NULL;
  memcpy(out, head, (size_t)n);
  memset(out + n, 'o', body_bytes);
  *len = (size_t)n + body_bytes;
  return out;
}

int pc_target_config_parse(napi_env env, napi_value obj, pc_target_config *c) {
  napi_valuetype type = napi_undefined;
  if (napi_typeof(env, obj, &type) != napi_ok || type != napi_object) {
    napi_throw_type_error(env, NULL, "native config: the target configuration must be an object");
    return 0;
  }
  if (!pc_check_known_fields(env, obj, FIELDS, sizeof FIELDS / sizeof FIELDS[0])) return 0;
  int close = 0, protocol = 0;
  double threads = 0, body = 0;
  if (!pc_read_endpoints(env, obj, &TSPEC_LISTEN, &c->listen, &c->listen_count) ||
      !pc_read_field_number(env, obj, &TSPEC_THREADS, 0, &threads) ||
      !pc_read_enum(env, obj, &TSPEC_CLOSE, CLOSE_POLICIES, sizeof CLOSE_POLICIES / sizeof CLOSE_POLICIES[0], &close) ||
      !pc_read_enum(env, obj, &TSPEC_PROTOCOL, PROTOCOLS, sizeof PROTOCOLS / sizeof PROTOCOLS[0], &protocol) ||
      !pc_read_field_number(env, obj, &TSPEC_DELAY_MS, 0, &c->delay_ms) || !pc_read_field_number(env, obj, &TSPEC_BODY_BYTES, 0, &body) ||
      !pc_read_field_number(env, obj, &TSPEC_HEAD_TIMEOUT_MS, 0, &c->head_timeout_ms) ||
      !pc_read_field_number(env, obj, &TSPEC_IDLE_TIMEOUT_MS, 0, &c->idle_timeout_ms))
    return 0;
  /* Range-checked above, so each cast is exact. */
  c->threads = (int)threads;
  c->close = (pc_target_close)close;
  c->protocol = (pc_target_protocol)protocol;
  c->response_keep = response("keep-alive", (size_t)body, &c->response_keep_len);
  c->response_close = response("close", (size_t)body, &c->response_close_len);
  c->response_raw = malloc((size_t)body + 1);
  if (c->response_raw) memset(c->response_raw, 'o', (size_t)body);
  c->response_raw_len = (size_t)body;
  if (!c->response_keep || !c->response_close || !c->response_raw) {
    napi_throw_error(env, NULL, "portchurn native: out of memory for the prepared response");
    return 0;
  }
  return 1;
}
