#define _GNU_SOURCE
#include "kernel/ct_parse.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <string.h>

/* An attribute's header, read with memcpy: the bytes carry no alignment promise for a fuzzer. */
typedef struct {
  uint16_t len;
  uint16_t type;
} attr_head;

/* Calls fn(type, value, value_len, ctx) for each attribute in [p, p+len); -1 on a malformed one. */
typedef int (*attr_fn)(uint16_t type, const uint8_t *value, size_t value_len, void *ctx);

static int each_attr(const uint8_t *p, size_t len, attr_fn fn, void *ctx) {
  while (len >= sizeof(attr_head)) {
    attr_head h;
    memcpy(&h, p, sizeof h);
    if (h.len < sizeof h || h.len > len) return -1;
    if (fn(h.type & NLA_TYPE_MASK, p + sizeof h, h.len - sizeof h, ctx) != 0) return -1;
    size_t step = NLA_ALIGN(h.len);
    if (step >= len) return 0; /* the last attribute may end without its padding */
    p += step;
    len -= step;
  }
  return 0;
}

static int u8_of(const uint8_t *v, size_t n, uint8_t *out) {
  if (n < 1) return -1;
  *out = v[0];
  return 0;
}

static int be16_of(const uint8_t *v, size_t n, uint16_t *out) {
  if (n < 2) return -1;
  uint16_t x;
  memcpy(&x, v, 2);
  *out = ntohs(x);
  return 0;
}

static int be32_of(const uint8_t *v, size_t n, uint32_t *out) {
  if (n < 4) return -1;
  uint32_t x;
  memcpy(&x, v, 4);
  *out = ntohl(x);
  return 0;
}

typedef struct {
  uint32_t src, dst;
  uint16_t sport, dport;
  uint8_t proto;
  int has_ip;
} tuple;

static int ip_attr(uint16_t type, const uint8_t *v, size_t n, void *ctx) {
  tuple *t = ctx;
  if (type == CTA_IP_V4_SRC || type == CTA_IP_V4_DST) {
    if (n < 4) return -1;
    memcpy(type == CTA_IP_V4_SRC ? &t->src : &t->dst, v, 4);
    t->has_ip |= type == CTA_IP_V4_SRC ? 1 : 2;
  }
  return 0;
}

static int proto_attr(uint16_t type, const uint8_t *v, size_t n, void *ctx) {
  tuple *t = ctx;
  if (type == CTA_PROTO_NUM) return u8_of(v, n, &t->proto);
  if (type == CTA_PROTO_SRC_PORT) return be16_of(v, n, &t->sport);
  if (type == CTA_PROTO_DST_PORT) return be16_of(v, n, &t->dport);
  return 0;
}

static int tuple_attr(uint16_t type, const uint8_t *v, size_t n, void *ctx) {
  if (type == CTA_TUPLE_IP) return each_attr(v, n, ip_attr, ctx);
  if (type == CTA_TUPLE_PROTO) return each_attr(v, n, proto_attr, ctx);
  return 0;
}

static int tcp_attr(uint16_t type, const uint8_t *v, size_t n, void *ctx) {
  return type == CTA_PROTOINFO_TCP_STATE ? u8_of(v, n, ctx) : 0;
}

static int protoinfo_attr(uint16_t type, const uint8_t *v, size_t n, void *ctx) {
  return type == CTA_PROTOINFO_TCP ? each_attr(v, n, tcp_attr, ctx) : 0;
}

typedef struct {
  tuple orig, reply;
  uint32_t status;
  uint8_t tcp_state;
} entry_parse;

static int entry_attr(uint16_t type, const uint8_t *v, size_t n, void *ctx) {
  entry_parse *e = ctx;
  switch (type) {
    case CTA_TUPLE_ORIG:
      return each_attr(v, n, tuple_attr, &e->orig);
    case CTA_TUPLE_REPLY:
      return each_attr(v, n, tuple_attr, &e->reply);
    case CTA_STATUS:
      return be32_of(v, n, &e->status);
    case CTA_PROTOINFO:
      return each_attr(v, n, protoinfo_attr, &e->tcp_state);
    default:
      return 0;
  }
}

int pc_ct_parse_entry(const uint8_t *payload, size_t len, pc_ct_entry *out) {
  if (len < sizeof(struct nfgenmsg)) return -1;
  struct nfgenmsg g;
  memcpy(&g, payload, sizeof g);
  if (g.nfgen_family != AF_INET) return -1;
  entry_parse e;
  memset(&e, 0, sizeof e);
  e.tcp_state = PC_CT_NO_STATE;
  size_t head = NLMSG_ALIGN(sizeof g);
  if (len < head || each_attr(payload + head, len - head, entry_attr, &e) != 0) return -1;
  if (e.orig.has_ip != 3 || e.reply.has_ip != 3) return -1;
  *out = (pc_ct_entry){.proto = e.orig.proto,
                       .tcp_state = e.tcp_state,
                       .status = e.status,
                       .orig_src = e.orig.src,
                       .orig_dst = e.orig.dst,
                       .reply_src = e.reply.src,
                       .reply_dst = e.reply.dst,
                       .orig_sport = e.orig.sport,
                       .orig_dport = e.orig.dport,
                       .reply_sport = e.reply.sport,
                       .reply_dport = e.reply.dport};
  return 0;
}

static int stats_attr(uint16_t type, const uint8_t *v, size_t n, void *ctx) {
  pc_ct_stats *s = ctx;
  uint32_t x;
  if (be32_of(v, n, &x) != 0) return 0; /* a counter of another width: not one of ours */
  switch (type) {
    case CTA_STATS_FOUND:
      s->found += x;
      break;
    case CTA_STATS_INVALID:
      s->invalid += x;
      break;
    case CTA_STATS_INSERT:
      s->insert += x;
      break;
    case CTA_STATS_INSERT_FAILED:
      s->insert_failed += x;
      break;
    case CTA_STATS_DROP:
      s->drop += x;
      break;
    case CTA_STATS_EARLY_DROP:
      s->early_drop += x;
      break;
    case CTA_STATS_ERROR:
      s->error += x;
      break;
    case CTA_STATS_SEARCH_RESTART:
      s->search_restart += x;
      break;
    case CTA_STATS_CLASH_RESOLVE:
      s->clash_resolve += x;
      break;
    case CTA_STATS_CHAIN_TOOLONG:
      s->chaintoolong += x;
      break;
    default:
      break;
  }
  return 0;
}

int pc_ct_parse_stats(const uint8_t *payload, size_t len, pc_ct_stats *acc) {
  size_t head = NLMSG_ALIGN(sizeof(struct nfgenmsg));
  if (len < head) return -1;
  pc_ct_stats one;
  memset(&one, 0, sizeof one);
  if (each_attr(payload + head, len - head, stats_attr, &one) != 0) return -1;
  acc->found += one.found;
  acc->invalid += one.invalid;
  acc->insert += one.insert;
  acc->insert_failed += one.insert_failed;
  acc->drop += one.drop;
  acc->early_drop += one.early_drop;
  acc->error += one.error;
  acc->search_restart += one.search_restart;
  acc->clash_resolve += one.clash_resolve;
  acc->chaintoolong += one.chaintoolong;
  acc->cpus += 1;
  return 0;
}
