/*
 * The engine's configuration, start()'s argument: every field of abi.json's config read by its
 * spec (api/fields.c), then the rules between fields.
 */
#define _GNU_SOURCE
#include "engine/config.h"

#include <math.h>

/* One spec per field of abi.json's config (SPEC_DESTINATIONS, ...): renaming a field there breaks the build here. */
#define SPEC(ID, NAME, TYPE, MIN, MAX, NULLABLE) static const pc_field_spec SPEC_##ID = {NAME, PC_FIELD_##TYPE, MIN, MAX, NULLABLE};
PC_CONFIG_FIELDS(SPEC)
#undef SPEC
#define ENTRY(ID, NAME, TYPE, MIN, MAX, NULLABLE) &SPEC_##ID,
static const pc_field_spec *const FIELDS[] = {PC_CONFIG_FIELDS(ENTRY)};
#undef ENTRY
#define VALUE(ID, NAME, INDEX) NAME,
static const char *const PORT_MODES[] = {PC_CONFIG_PORT_MODE_VALUES(VALUE)};
static const char *const CLOSE_POLICIES[] = {PC_CONFIG_CLOSE_VALUES(VALUE)};
#undef VALUE

/* The rules between fields, stated once more in src/engine/native/native-config.ts with the same words. */
static int check_rules(napi_env env, const pc_config *c) {
  if ((c->port_mode == PC_PORT_KERNEL) != (c->source_count == 0))
    return pc_type_error(env, "sources", "empty with portMode kernel, and not empty with any other port mode");
  if ((c->port_mode == PC_PORT_EXPLICIT) != (c->explicit_low != 0))
    return pc_type_error(env, "explicitPorts", "{ low, high } with portMode explicit, and null otherwise");
  if (c->close == PC_CLOSE_KEEPALIVE && !c->http) return pc_type_error(env, "close", "client, server or reset when http is false");
  return 1;
}

int pc_config_parse(napi_env env, napi_value obj, pc_config *c) {
  napi_valuetype type = napi_undefined;
  if (napi_typeof(env, obj, &type) != napi_ok || type != napi_object) return pc_type_error(env, "the configuration", "an object");
  if (!pc_check_known_fields(env, obj, FIELDS, sizeof FIELDS / sizeof FIELDS[0])) return 0;
  int mode = 0, close = 0;
  uint16_t range_low = 0, range_high = 0;
  double expect = 0, connections = 0, rate = 0, duration = 0;
  if (!pc_read_endpoints(env, obj, &SPEC_DESTINATIONS, &c->destinations, &c->destination_count) ||
      !pc_read_endpoints(env, obj, &SPEC_SOURCES, &c->sources, &c->source_count) ||
      !pc_read_enum(env, obj, &SPEC_PORT_MODE, PORT_MODES, sizeof PORT_MODES / sizeof PORT_MODES[0], &mode) ||
      !pc_read_range(env, obj, &SPEC_EXPLICIT_PORTS, &c->explicit_low, &c->explicit_high) ||
      !pc_read_ports(env, obj, &SPEC_SKIP_PORTS, &c->skip_ports) ||
      !pc_read_range(env, obj, &SPEC_SOCKET_PORT_RANGE, &range_low, &range_high) ||
      !pc_read_bytes(env, obj, &SPEC_REQUEST, &c->request, &c->request_len) || !pc_read_bool(env, obj, &SPEC_HTTP, &c->http) ||
      !pc_read_field_number(env, obj, &SPEC_EXPECT_BYTES, 0, &expect) || !pc_read_bool(env, obj, &SPEC_HEAD_REQUEST, &c->head_request) ||
      !pc_read_bool(env, obj, &SPEC_TIME_CALLS, &c->time_calls) ||
      !pc_read_enum(env, obj, &SPEC_CLOSE, CLOSE_POLICIES, sizeof CLOSE_POLICIES / sizeof CLOSE_POLICIES[0], &close) ||
      !pc_read_field_number(env, obj, &SPEC_CONNECTIONS, 0, &connections) ||
      !pc_read_field_number(env, obj, &SPEC_RATE_PER_SEC, 0, &rate) || !pc_read_field_number(env, obj, &SPEC_START_MS, 0, &c->start_ms) ||
      !pc_read_field_number(env, obj, &SPEC_DURATION_MS, PC_NO_BOUND, &duration) ||
      !pc_read_field_number(env, obj, &SPEC_MAX_ATTEMPTS, PC_NO_BOUND, &c->max_attempts) ||
      !pc_read_field_number(env, obj, &SPEC_TIMEOUT_MS, 0, &c->timeout_ms) ||
      !pc_read_field_number(env, obj, &SPEC_GRACE_MS, 0, &c->grace_ms))
    return 0;
  /* Every value below was range-checked above, so each cast is exact. */
  c->port_mode = (pc_port_mode)mode;
  c->close = (pc_close_policy)close;
  c->socket_port_range = range_low ? ((uint32_t)range_high << 16) | range_low : 0;
  c->expect_bytes = (int64_t)expect;
  c->connections = (int)connections;
  c->open_loop = rate > 0;
  c->rate_per_ms = rate / 1000.0;
  c->deadline_ms = isinf(duration) ? PC_NO_BOUND : c->start_ms + duration;
  for (int i = 0; i < c->source_count; i++) c->sources[i].next_port = c->explicit_low;
  return check_rules(env, c);
}
