/*
 * The Node-API face of the native engine: start a generator thread from a plain configuration
 * object, drain its finished attempts as an ArrayBuffer of pc_record, ask it to stop, free it.
 * Bad configuration throws a TypeError before any socket is opened.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <math.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "diag_glue.h"
#include "loop.h"

#define CHECK(call)                                                      \
  do {                                                                   \
    if ((call) != napi_ok) {                                             \
      napi_throw_error(env, NULL, "portchurn native: " #call " failed"); \
      return NULL;                                                       \
    }                                                                    \
  } while (0)

static int get_prop(napi_env env, napi_value obj, const char *name, napi_value *out) {
  bool has = false;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok || !has) return 0;
  return napi_get_named_property(env, obj, name, out) == napi_ok;
}

static double get_number(napi_env env, napi_value obj, const char *name, double fallback) {
  napi_value v;
  double d;
  if (!get_prop(env, obj, name, &v) || napi_get_value_double(env, v, &d) != napi_ok) return fallback;
  return d;
}

/* A string property into buf; 0 when absent or too long. */
static int get_string(napi_env env, napi_value obj, const char *name, char *buf, size_t size) {
  napi_value v;
  size_t len;
  if (!get_prop(env, obj, name, &v)) return 0;
  if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok || len + 1 >= size) return 0;
  return 1;
}

/* "127.0.0.1" or "::1" and a port into an endpoint; 0 when the address does not parse. */
static int parse_endpoint(const char *host, int port, pc_endpoint *out) {
  memset(out, 0, sizeof *out);
  struct sockaddr_in *in4 = (struct sockaddr_in *)&out->addr;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->addr;
  if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    out->len = sizeof *in4;
    return 1;
  }
  if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    out->len = sizeof *in6;
    return 1;
  }
  return 0;
}

/* An array of { host, port } (destinations) or of strings (sources, port 0). */
static pc_endpoint *get_endpoints(napi_env env, napi_value obj, const char *name, int *count, int with_port) {
  napi_value arr;
  uint32_t n = 0;
  *count = 0;
  if (!get_prop(env, obj, name, &arr) || napi_get_array_length(env, arr, &n) != napi_ok || n == 0) return NULL;
  pc_endpoint *out = calloc(n, sizeof *out);
  if (!out) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    char host[64];
    size_t len;
    int port = 0;
    napi_get_element(env, arr, i, &item);
    if (with_port) {
      if (!get_string(env, item, "host", host, sizeof host)) goto bad;
      port = (int)get_number(env, item, "port", -1);
      if (port < 1 || port > 65535) goto bad;
    } else if (napi_get_value_string_utf8(env, item, host, sizeof host, &len) != napi_ok || len + 1 >= sizeof host) {
      goto bad;
    }
    if (!parse_endpoint(host, port, &out[i])) goto bad;
  }
  *count = (int)n;
  return out;
bad:
  free(out);
  *count = -1;
  return NULL;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  pc_loop *loop = data;
  pc_loop_request_stop(loop);
  pc_loop_free(loop);
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* Refuses a configuration: frees what was filled so far, throws a TypeError. */
static napi_value refuse(napi_env env, pc_loop *loop, const char *message) {
  pc_loop_free(loop);
  return throw_type(env, message);
}

/* start(config) -> handle */
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value cfgv;
  CHECK(napi_get_cb_info(env, info, &argc, &cfgv, NULL, NULL));
  if (argc < 1) return throw_type(env, "start(config) needs a configuration");
  pc_loop *loop = pc_loop_new();
  if (!loop) return throw_type(env, "out of memory");
  pc_config *c = &loop->cfg;
  char text[32];

  c->destinations = get_endpoints(env, cfgv, "destinations", &c->destination_count, 1);
  if (c->destination_count <= 0) return refuse(env, loop, "destinations must be IP literals with ports 1-65535");
  c->sources = get_endpoints(env, cfgv, "sources", &c->source_count, 0);
  if (c->source_count < 0) return refuse(env, loop, "sources must be IP literals");
  c->source_offset = (int)get_number(env, cfgv, "sourceOffset", 0);
  if (!get_string(env, cfgv, "portMode", text, sizeof text))
    return refuse(env, loop,
                  "portMode must be kernel (without sources), bind, nobind or explicit (with sources and a valid explicit range)");
  if (strcmp(text, "kernel") == 0)
    c->port_mode = PC_PORT_KERNEL;
  else if (strcmp(text, "bind") == 0)
    c->port_mode = PC_PORT_BIND;
  else if (strcmp(text, "nobind") == 0)
    c->port_mode = PC_PORT_NOBIND;
  else if (strcmp(text, "explicit") == 0)
    c->port_mode = PC_PORT_EXPLICIT;
  else
    return refuse(env, loop,
                  "portMode must be kernel (without sources), bind, nobind or explicit (with sources and a valid explicit range)");
  if ((c->port_mode == PC_PORT_KERNEL) != (c->source_count == 0))
    return refuse(env, loop,
                  "portMode must be kernel (without sources), bind, nobind or explicit (with sources and a valid explicit range)");
  if (c->port_mode == PC_PORT_EXPLICIT) {
    double lo = get_number(env, cfgv, "explicitLow", 0), hi = get_number(env, cfgv, "explicitHigh", 0);
    if (lo < 1 || hi > 65535 || lo > hi)
      return refuse(env, loop,
                    "portMode must be kernel (without sources), bind, nobind or explicit (with sources and a valid explicit range)");
    c->explicit_low = (uint16_t)lo;
    c->explicit_high = (uint16_t)hi;
    for (int i = 0; i < c->source_count; i++) c->sources[i].next_port = c->explicit_low;
    napi_value skip;
    uint32_t n = 0;
    if (get_prop(env, cfgv, "skipPorts", &skip) && napi_get_array_length(env, skip, &n) == napi_ok && n > 0) {
      c->skip_ports = calloc(65536 / 8, 1);
      if (!c->skip_ports) return refuse(env, loop, "out of memory");
      for (uint32_t i = 0; i < n; i++) {
        napi_value p;
        int32_t port;
        napi_get_element(env, skip, i, &p);
        if (napi_get_value_int32(env, p, &port) == napi_ok && port >= 0 && port < 65536)
          c->skip_ports[port >> 3] |= (uint8_t)(1u << (port & 7));
      }
    }
  }
  double lo = get_number(env, cfgv, "socketPortLow", 0), hi = get_number(env, cfgv, "socketPortHigh", 0);
  if (lo > 0 && hi >= lo && hi <= 65535) c->socket_port_range = ((uint32_t)hi << 16) | (uint32_t)lo;

  napi_value req;
  if (get_prop(env, cfgv, "request", &req)) {
    bool is_buffer = false;
    napi_is_buffer(env, req, &is_buffer);
    if (is_buffer) {
      void *data;
      size_t len;
      napi_get_buffer_info(env, req, &data, &len);
      if (len > 0) {
        c->request = malloc(len);
        if (!c->request) return refuse(env, loop, "out of memory");
        memcpy(c->request, data, len);
        c->request_len = len;
      }
    }
  }
  c->http = get_number(env, cfgv, "http", 1) != 0;
  c->expect_bytes = (int64_t)get_number(env, cfgv, "expectBytes", 0);
  c->head_request = get_number(env, cfgv, "headRequest", 0) != 0;
  const char *bad_close = "close must be client, server, reset or keepalive (keepalive: HTTP only)";
  if (!get_string(env, cfgv, "close", text, sizeof text)) return refuse(env, loop, bad_close);
  if (strcmp(text, "client") == 0)
    c->close = PC_CLOSE_CLIENT;
  else if (strcmp(text, "server") == 0)
    c->close = PC_CLOSE_SERVER;
  else if (strcmp(text, "reset") == 0)
    c->close = PC_CLOSE_RESET;
  else if (strcmp(text, "keepalive") == 0 && c->http)
    c->close = PC_CLOSE_KEEPALIVE;
  else
    return refuse(env, loop, bad_close);
  c->open_loop = get_number(env, cfgv, "ratePerSec", 0) > 0;
  c->rate_per_ms = get_number(env, cfgv, "ratePerSec", 0) / 1000.0;
  c->connections = (int)get_number(env, cfgv, "connections", 0);
  if (c->connections < 1 || c->connections > 1000000) return refuse(env, loop, "connections must be 1 to 1,000,000");
  c->start_ms = get_number(env, cfgv, "startMs", pc_now_ms());
  double duration = get_number(env, cfgv, "durationMs", -1);
  c->deadline_ms = duration < 0 ? INFINITY : c->start_ms + duration;
  c->max_attempts = (int64_t)get_number(env, cfgv, "maxAttempts", -1);
  c->timeout_ms = get_number(env, cfgv, "timeoutMs", 10000);
  c->grace_ms = get_number(env, cfgv, "graceMs", 2000);

  int err = pc_loop_start(loop);
  if (err) {
    pc_loop_free(loop);
    napi_throw_error(env, NULL, strerror(err));
    return NULL;
  }
  napi_value handle;
  if (napi_create_external(env, loop, finalize, NULL, &handle) != napi_ok) {
    pc_loop_request_stop(loop);
    pc_loop_free(loop);
    napi_throw_error(env, NULL, "portchurn native: cannot wrap the loop");
    return NULL;
  }
  return handle;
}

static pc_loop *loop_of(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value h;
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, &h, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_external(env, h, &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a native loop handle");
    return NULL;
  }
  return data;
}

/* drain(handle) -> { records: ArrayBuffer | null, finished, attempts, inFlight, endMs } */
static napi_value drain(napi_env env, napi_callback_info info) {
  pc_loop *loop = loop_of(env, info);
  if (!loop) return NULL;
  /* Read `finished` first: records emitted before it was set are all in this drain. */
  int finished = atomic_load(&loop->finished);
  size_t count = 0;
  pc_record *recs = pc_loop_drain(loop, &count);
  napi_value out, records, v;
  CHECK(napi_create_object(env, &out));
  if (count > 0) {
    void *dst;
    CHECK(napi_create_arraybuffer(env, count * sizeof *recs, &dst, &records));
    memcpy(dst, recs, count * sizeof *recs);
  } else {
    CHECK(napi_get_null(env, &records));
  }
  free(recs);
  CHECK(napi_set_named_property(env, out, "records", records));
  CHECK(napi_get_boolean(env, finished, &v));
  CHECK(napi_set_named_property(env, out, "finished", v));
  CHECK(napi_create_double(env, (double)atomic_load(&loop->attempts), &v));
  CHECK(napi_set_named_property(env, out, "attempts", v));
  CHECK(napi_create_int32(env, atomic_load(&loop->in_flight), &v));
  CHECK(napi_set_named_property(env, out, "inFlight", v));
  CHECK(napi_create_double(env, finished ? loop->end_ms : NAN, &v));
  CHECK(napi_set_named_property(env, out, "endMs", v));
  CHECK(napi_create_int32(env, finished ? loop->failed_errno : 0, &v));
  CHECK(napi_set_named_property(env, out, "failedErrno", v));
  return out;
}

/* stop(handle): stop launching; in-flight attempts get the grace period, then end as ABORTED. */
static napi_value stop(napi_env env, napi_callback_info info) {
  pc_loop *loop = loop_of(env, info);
  if (loop) pc_loop_request_stop(loop);
  return NULL;
}

/* nowMs(): the loop's clock (CLOCK_MONOTONIC, ms). */
static napi_value now_ms(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  CHECK(napi_create_double(env, pc_now_ms(), &v));
  return v;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"start", NULL, start, NULL, NULL, NULL, napi_default, NULL},
      {"drain", NULL, drain, NULL, NULL, NULL, napi_default, NULL},
      {"stop", NULL, stop, NULL, NULL, NULL, napi_default, NULL},
      {"nowMs", NULL, now_ms, NULL, NULL, NULL, napi_default, NULL},
      {"countSockets", NULL, pc_napi_count_sockets, NULL, NULL, NULL, napi_default, NULL},
      {"dumpSockets", NULL, pc_napi_dump_sockets, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value size;
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  if (napi_create_uint32(env, sizeof(pc_record), &size) != napi_ok || napi_set_named_property(env, exports, "recordBytes", size) != napi_ok)
    return NULL;
  return exports;
}
