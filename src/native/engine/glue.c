/*
 * The Node-API face of the native engine: start a generator thread from a configuration object
 * (engine/config.c reads and checks it before any socket is opened), drain its finished attempts
 * as an ArrayBuffer of pc_record, ask it to stop, free it. Registered by api/addon.c.
 */
#define _GNU_SOURCE
#include <math.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

#include "engine/glue.h"

#include "api/napi_util.h"
#include "common/clock.h"
#include "engine/config.h"
#include "engine/loop.h"

/* The names drain() sets, from abi.json (DRAIN_RECORDS, ...). */
#define NAME(ID, NAME) static const char DRAIN_##ID[] = NAME;
PC_DRAIN_FIELDS(NAME)
#undef NAME

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  pc_loop *loop = data;
  pc_loop_request_stop(loop);
  pc_loop_free(loop);
}

/* start(config) -> handle: a running generator thread. */
napi_value pc_napi_start(napi_env env, napi_callback_info info) {
  napi_value config;
  if (!pc_napi_first_arg(env, info, "start(config)", &config)) return NULL;
  pc_loop *loop = pc_loop_new();
  if (!loop) return pc_napi_fail(env, "portchurn native: out of memory");
  if (!pc_config_parse(env, config, &loop->cfg)) {
    pc_loop_free(loop);
    return NULL; /* the parser threw, naming the field */
  }
  int err = pc_loop_start(loop);
  if (err) {
    pc_loop_request_stop(loop);
    pc_loop_free(loop);
    return pc_napi_fail(env, strerror(err));
  }
  napi_value handle;
  int made = pc_napi_new_handle(env, loop, finalize, PC_HANDLE_LOOP, &handle);
  if (made == PC_HANDLE_NOT_MADE) {
    pc_loop_request_stop(loop);
    pc_loop_free(loop);
  }
  /* Untagged: the handle's finalizer stops and frees the loop when it is collected. */
  if (made != PC_HANDLE_MADE) return pc_napi_fail(env, "portchurn native: cannot wrap the loop");
  return handle;
}

static pc_loop *loop_of(napi_env env, napi_callback_info info) {
  return pc_napi_handle(env, info, PC_HANDLE_LOOP);
}

static int set_number(napi_env env, napi_value obj, const char *name, double value) {
  napi_value v;
  return napi_create_double(env, value, &v) == napi_ok && napi_set_named_property(env, obj, name, v) == napi_ok;
}

/*
 * drain(handle) -> { records: ArrayBuffer | null, finished, attempts, inFlight, endMs, failedErrno, lostRecords }
 * The records are copied into the ArrayBuffer before they leave the loop's queue: should any
 * step fail, they wait there for the next drain, never freed unread.
 */
napi_value pc_napi_drain(napi_env env, napi_callback_info info) {
  pc_loop *loop = loop_of(env, info);
  if (!loop) return NULL;
  /* Read `finished` first: records emitted before it was set are all in this drain. */
  int finished = atomic_load(&loop->finished);
  size_t pending = pc_loop_pending(loop);
  napi_value out, records, v;
  if (napi_create_object(env, &out) != napi_ok) return pc_napi_fail(env, "portchurn native: cannot create the drain object");
  if (pending > 0) {
    void *dst = NULL;
    if (napi_create_arraybuffer(env, pending * sizeof(pc_record), &dst, &records) != napi_ok)
      return pc_napi_fail(env, "portchurn native: cannot allocate the records' ArrayBuffer (they wait for the next drain)");
    size_t taken = pc_loop_take(loop, dst, pending);
    /* Only this thread takes, so the queue still holds at least `pending`. */
    if (taken != pending) return pc_napi_fail(env, "portchurn native: the record queue shrank under drain");
  } else if (napi_get_null(env, &records) != napi_ok) {
    return pc_napi_fail(env, "portchurn native: cannot create null");
  }
  /* From here a failure throws with the records taken: the caller's whole run fails loudly, never a figure short. */
  if (napi_set_named_property(env, out, DRAIN_RECORDS, records) != napi_ok || napi_get_boolean(env, finished, &v) != napi_ok ||
      napi_set_named_property(env, out, DRAIN_FINISHED, v) != napi_ok ||
      !set_number(env, out, DRAIN_ATTEMPTS, (double)atomic_load(&loop->attempts)) ||
      !set_number(env, out, DRAIN_IN_FLIGHT, atomic_load(&loop->in_flight)) ||
      !set_number(env, out, DRAIN_END_MS, finished ? loop->end_ms : NAN) ||
      !set_number(env, out, DRAIN_FAILED_ERRNO, finished ? loop->failed_errno : 0) ||
      !set_number(env, out, DRAIN_LOST_RECORDS, (double)atomic_load(&loop->lost_records)))
    return pc_napi_fail(env, "portchurn native: cannot fill the drain object");
  return out;
}

/* stop(handle): stop launching; in-flight attempts get the grace period, then end as ABORTED. */
napi_value pc_napi_stop(napi_env env, napi_callback_info info) {
  pc_loop *loop = loop_of(env, info);
  if (loop) pc_loop_request_stop(loop);
  return NULL;
}

/* nowMs(): the loop's clock (CLOCK_MONOTONIC, ms). */
napi_value pc_napi_now_ms(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  if (napi_create_double(env, pc_now_ms(), &v) != napi_ok) return pc_napi_fail(env, "portchurn native: cannot read the clock");
  return v;
}
