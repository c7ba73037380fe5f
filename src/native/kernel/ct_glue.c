#define _GNU_SOURCE
#include "kernel/ct_glue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/napi_util.h"
#include "kernel/conntrack.h"
#include "kernel/ct_held.h"
#include "kernel/netns.h"

/*
 * The answer, little-endian, read by src/env/conntrack.ts:
 *   u64 x 10  statistics: found, invalid, insert, insert_failed, drop, early_drop, error,
 *             search_restart, clash_resolve, chaintoolong (summed over CPUs)
 *   u32 cpus, u32 complete (0: more keys than PC_CT_HELD_MAX, the totals still exact)
 *   u64 total NAT mappings, u64 other entries, u64 NAT mappings that kept the pod's port,
 *   u64 x 10 NAT mappings by TCP state
 *   u32 keys, u32 0
 *   per key: u8[4] NAT address, u8[4] destination address (network order), u16 port, u16 0, u32 x 10 by state
 */
#define HEAD_BYTES (10 * 8 + 8 + 8 + 8 + 8 + 10 * 8 + 8)
#define KEY_BYTES (4 + 4 + 2 + 2 + 4 * PC_CT_TCP_STATES)

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char text[256];
  snprintf(text, sizeof text, "%s: %s", what, strerror(err));
  napi_value error, code, message;
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message) == napi_ok &&
      napi_create_string_utf8(env,
                              err == ENOENT  ? "ENOENT"
                              : err == EPERM ? "EPERM"
                                             : "ECONNTRACK",
                              NAPI_AUTO_LENGTH, &code) == napi_ok &&
      napi_create_error(env, code, message, &error) == napi_ok)
    napi_throw(env, error);
  return NULL;
}

static uint8_t *put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
  return p + 8;
}

static uint8_t *put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
  return p + 4;
}

napi_value pc_napi_netns_conntrack(napi_env env, napi_callback_info info) {
  pc_netns *ns = pc_napi_handle(env, info, PC_HANDLE_NETNS);
  if (!ns) return NULL;
  if (ns->diag_fd < 0) return throw_errno(env, EBADF, "netnsConntrack: the namespace was closed");
  if (ns->ct_fd < 0) return throw_errno(env, ns->ct_err ? ns->ct_err : EPROTONOSUPPORT, "netnsConntrack: no ctnetlink socket");
  pc_ct_stats stats;
  int err = pc_ct_stats_on(ns->ct_fd, &stats);
  if (err) return throw_errno(env, err, "netnsConntrack: statistics");
  pc_ct_held held;
  if (pc_ct_held_init(&held, 1024) != 0) return pc_napi_fail(env, "out of memory");
  err = pc_ct_dump_on(ns->ct_fd, pc_ct_held_add, &held);
  if (err) {
    pc_ct_held_free(&held);
    return throw_errno(env, err, "netnsConntrack: dump");
  }
  size_t size = HEAD_BYTES + (size_t)held.count * KEY_BYTES;
  void *data = NULL;
  napi_value out;
  if (napi_create_buffer(env, size, &data, &out) != napi_ok) {
    pc_ct_held_free(&held);
    return pc_napi_fail(env, "out of memory");
  }
  uint8_t *p = data;
  const uint64_t counters[10] = {stats.found,      stats.invalid, stats.insert,         stats.insert_failed, stats.drop,
                                 stats.early_drop, stats.error,   stats.search_restart, stats.clash_resolve, stats.chaintoolong};
  for (int i = 0; i < 10; i++) p = put64(p, counters[i]);
  p = put32(p, stats.cpus);
  p = put32(p, (uint32_t)held.complete);
  p = put64(p, held.total);
  p = put64(p, held.other);
  p = put64(p, held.port_kept);
  for (int i = 0; i < PC_CT_TCP_STATES; i++) p = put64(p, held.total_states[i]);
  p = put32(p, held.count);
  p = put32(p, 0);
  for (uint32_t i = 0; i < held.capacity; i++) {
    const pc_ct_held_key *k = &held.slots[i];
    if (!k->used) continue;
    memcpy(p, &k->nat, 4);
    memcpy(p + 4, &k->dst, 4);
    p[8] = (uint8_t)(k->dport & 0xff);
    p[9] = (uint8_t)(k->dport >> 8);
    p[10] = p[11] = 0;
    p += 12;
    for (int s = 0; s < PC_CT_TCP_STATES; s++) p = put32(p, k->states[s]);
  }
  pc_ct_held_free(&held);
  return out;
}
