/*
 * The target's counts: connections and requests per remote address and per local address:port,
 * in a table per thread (no sharing on the hot path: one uncontended lock per count), merged when
 * JavaScript or the stats endpoint asks.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin-target/target.h"
#include "builtin-target/counts.h"

#define KEY_BYTES 19

/* family, address (IPv4 in the first 4 bytes), and the port for a local key. */
static void key_of(const struct sockaddr_storage *ss, int with_port, uint8_t key[KEY_BYTES]) {
  memset(key, 0, KEY_BYTES);
  key[0] = (uint8_t)ss->ss_family;
  uint16_t port = 0;
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *in4 = (const struct sockaddr_in *)ss;
    memcpy(key + 1, &in4->sin_addr, 4);
    port = in4->sin_port;
  } else {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
    memcpy(key + 1, &in6->sin6_addr, 16);
    port = in6->sin6_port;
  }
  if (with_port) memcpy(key + 17, &port, 2);
}

static size_t hash_of(const uint8_t key[KEY_BYTES]) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (int i = 0; i < KEY_BYTES; i++) h = (h ^ key[i]) * 1099511628211ull;
  return (size_t)h;
}

/* The entry of `key`, added when new; NULL when it is new and the table is full or cannot grow. */
static pc_count_entry *entry_of(pc_count_table *t, const uint8_t key[KEY_BYTES]) {
  if (t->size >= PC_COUNT_TABLE_MAX) {
    /* Full: a key already there is still counted, a new one is not. */
    size_t j = hash_of(key) & (t->capacity - 1);
    while (t->entries[j].used && memcmp(t->entries[j].key, key, KEY_BYTES) != 0) j = (j + 1) & (t->capacity - 1);
    return t->entries[j].used ? &t->entries[j] : NULL;
  }
  if ((t->size + 1) * 4 > t->capacity * 3) {
    size_t capacity = t->capacity ? t->capacity * 2 : 64;
    pc_count_entry *grown = calloc(capacity, sizeof *grown);
    if (!grown) return NULL;
    for (size_t i = 0; i < t->capacity; i++) {
      if (!t->entries[i].used) continue;
      size_t j = hash_of(t->entries[i].key) & (capacity - 1);
      while (grown[j].used) j = (j + 1) & (capacity - 1);
      grown[j] = t->entries[i];
    }
    free(t->entries);
    t->entries = grown;
    t->capacity = capacity;
  }
  size_t j = hash_of(key) & (t->capacity - 1);
  while (t->entries[j].used && memcmp(t->entries[j].key, key, KEY_BYTES) != 0) j = (j + 1) & (t->capacity - 1);
  if (!t->entries[j].used) {
    memcpy(t->entries[j].key, key, KEY_BYTES);
    t->entries[j].used = 1;
    t->size++;
  }
  return &t->entries[j];
}

/* One more connection or request for the connection's remote and local address. */
static void count(pc_target_thread *th, pc_tconn *c, int connection) {
  pthread_mutex_lock(&th->lock);
  pc_count_entry *remote = entry_of(&th->by_remote, c->remote_key);
  pc_count_entry *local = entry_of(&th->by_local, c->local_key);
  uint64_t *total = connection ? &th->connections : &th->requests;
  (*total)++;
  if (remote) (*(connection ? &remote->connections : &remote->requests))++;
  if (local) (*(connection ? &local->connections : &local->requests))++;
  if (!remote || !local) th->counts_failed = 1;
  pthread_mutex_unlock(&th->lock);
}

void pc_count_connection(pc_target_thread *th, pc_tconn *c, const struct sockaddr_storage *peer, const struct sockaddr_storage *self) {
  key_of(peer, 0, c->remote_key);
  key_of(self, 1, c->local_key);
  count(th, c, 1);
}

void pc_count_request(pc_target_thread *th, pc_tconn *c) {
  c->requests++;
  count(th, c, 0);
}

void pc_count_ended(pc_target_thread *th, const pc_tconn *c) {
  pthread_mutex_lock(&th->lock);
  th->ended_connections++;
  th->ended_requests += c->requests;
  if (c->requests > th->ended_max_requests) th->ended_max_requests = c->requests;
  pthread_mutex_unlock(&th->lock);
}

void pc_count_table_free(pc_count_table *t) {
  free(t->entries);
  t->entries = NULL;
  t->capacity = t->size = 0;
}

/* "127.0.0.1", "::1"; with the port, "127.0.0.1:8080" or "[::1]:8080" (as the JavaScript target keys them). */
void pc_count_key_text(const uint8_t key[KEY_BYTES], int with_port, char *out, size_t size) {
  char addr[INET6_ADDRSTRLEN];
  int family = key[0];
  if (!inet_ntop(family, key + 1, addr, sizeof addr)) snprintf(addr, sizeof addr, "?");
  uint16_t port;
  memcpy(&port, key + 17, 2);
  if (!with_port)
    snprintf(out, size, "%s", addr);
  else if (family == AF_INET6)
    snprintf(out, size, "[%s]:%u", addr, ntohs(port));
  else
    snprintf(out, size, "%s:%u", addr, ntohs(port));
}

/* A growing text buffer for the JSON; `failed` once an allocation failed. */
typedef struct {
  char *text;
  size_t len, cap;
  int failed;
} buffer;

static void put(buffer *b, const char *s) {
  size_t n = strlen(s);
  if (b->failed) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->cap ? b->cap * 2 : 1024) + n;
    char *grown = realloc(b->text, cap);
    if (!grown) {
      b->failed = 1;
      return;
    }
    b->text = grown;
    b->cap = cap;
  }
  memcpy(b->text + b->len, s, n + 1);
  b->len += n;
}

/* Every thread's entries of one table, summed by key, as a JSON object. */
static void put_table(buffer *b, pc_target *t, int local) {
  pc_count_table merged = {0};
  for (int i = 0; i < t->cfg.threads; i++) {
    pc_target_thread *th = &t->threads[i];
    pthread_mutex_lock(&th->lock);
    const pc_count_table *table = local ? &th->by_local : &th->by_remote;
    for (size_t k = 0; k < table->capacity; k++) {
      if (!table->entries[k].used) continue;
      pc_count_entry *e = entry_of(&merged, table->entries[k].key);
      if (!e) {
        b->failed = 1;
        continue;
      }
      e->connections += table->entries[k].connections;
      e->requests += table->entries[k].requests;
    }
    pthread_mutex_unlock(&th->lock);
  }
  put(b, "{");
  int first = 1;
  for (size_t k = 0; k < merged.capacity; k++) {
    if (!merged.entries[k].used) continue;
    char key[80], item[200];
    pc_count_key_text(merged.entries[k].key, local, key, sizeof key);
    snprintf(item, sizeof item, "%s\"%s\":{\"connections\":%llu,\"requests\":%llu}", first ? "" : ",", key,
             (unsigned long long)merged.entries[k].connections, (unsigned long long)merged.entries[k].requests);
    put(b, item);
    first = 0;
  }
  put(b, "}");
  pc_count_table_free(&merged);
}

char *pc_target_stats_json(pc_target *t, size_t *len) {
  buffer b = {0};
  uint64_t connections = 0, requests = 0;
  for (int i = 0; i < t->cfg.threads; i++) {
    pthread_mutex_lock(&t->threads[i].lock);
    connections += t->threads[i].connections;
    requests += t->threads[i].requests;
    pthread_mutex_unlock(&t->threads[i].lock);
  }
  char head[96];
  snprintf(head, sizeof head, "{\"connections\":%llu,\"requests\":%llu,\"byRemoteAddress\":", (unsigned long long)connections,
           (unsigned long long)requests);
  put(&b, head);
  put_table(&b, t, 0);
  put(&b, ",\"byLocalAddress\":");
  put_table(&b, t, 1);
  /* Beyond what the JavaScript target serves: what was refused, each thread's CPU, whether every count was kept. */
  pc_refused refused = {0};
  uint64_t ended = 0, ended_requests = 0, ended_max = 0;
  int complete = 1;
  for (int i = 0; i < t->cfg.threads; i++) {
    pthread_mutex_lock(&t->threads[i].lock);
    refused.too_long += t->threads[i].refused.too_long;
    refused.malformed += t->threads[i].refused.malformed;
    refused.head_timeout += t->threads[i].refused.head_timeout;
    refused.accept_errors += t->threads[i].refused.accept_errors;
    refused.write_timeout += t->threads[i].refused.write_timeout;
    if (t->threads[i].counts_failed) complete = 0;
    ended += t->threads[i].ended_connections;
    ended_requests += t->threads[i].ended_requests;
    if (t->threads[i].ended_max_requests > ended_max) ended_max = t->threads[i].ended_max_requests;
    pthread_mutex_unlock(&t->threads[i].lock);
  }
  char item[256];
  snprintf(item, sizeof item,
           ",\"refused\":{\"tooLong\":%llu,\"malformed\":%llu,\"headTimeout\":%llu,\"acceptErrors\":%llu,\"writeTimeout\":%llu},"
           "\"countsComplete\":%s",
           (unsigned long long)refused.too_long, (unsigned long long)refused.malformed, (unsigned long long)refused.head_timeout,
           (unsigned long long)refused.accept_errors, (unsigned long long)refused.write_timeout, complete ? "true" : "false");
  put(&b, item);
  snprintf(item, sizeof item, ",\"ended\":{\"connections\":%llu,\"requests\":%llu,\"maxRequests\":%llu},\"threads\":[",
           (unsigned long long)ended, (unsigned long long)ended_requests, (unsigned long long)ended_max);
  put(&b, item);
  for (int i = 0; i < t->cfg.threads; i++) {
    double user_ms = 0, system_ms = 0;
    if (pc_target_thread_cpu(&t->threads[i], &user_ms, &system_ms) == 0)
      snprintf(item, sizeof item, "%s{\"userMs\":%.3f,\"systemMs\":%.3f}", i ? "," : "", user_ms, system_ms);
    else
      snprintf(item, sizeof item, "%snull", i ? "," : "");
    put(&b, item);
  }
  put(&b, "],\"loopErrnos\":[");
  for (int i = 0; i < t->cfg.threads; i++) {
    pthread_mutex_lock(&t->threads[i].lock);
    int loop_errno = t->threads[i].loop_errno;
    pthread_mutex_unlock(&t->threads[i].lock);
    snprintf(item, sizeof item, "%s%d", i ? "," : "", loop_errno);
    put(&b, item);
  }
  put(&b, "]}");
  if (b.failed) {
    free(b.text);
    return NULL;
  }
  *len = b.len;
  return b.text;
}

int pc_target_thread_cpu(pc_target_thread *th, double *user_ms, double *system_ms) {
  if (th->final_user_us >= 0) {
    *user_ms = th->final_user_us / 1000.0;
    *system_ms = th->final_system_us / 1000.0;
    return 0;
  }
  char path[64], text[1024];
  snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)th->tid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = 0;
  /* Field 2 (the name) may hold spaces: count from the last ')'. utime and stime are fields 14 and 15. */
  char *p = strrchr(text, ')');
  unsigned long long utime = 0, stime = 0;
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return -1;
  double ms_per_tick = 1000.0 / (double)sysconf(_SC_CLK_TCK);
  *user_ms = (double)utime * ms_per_tick;
  *system_ms = (double)stime * ms_per_tick;
  return 0;
}
