#include "common/http_fields.h"

#include <string.h>
#include <strings.h>

int pc_header_is(const char *s, size_t n, const char *name, const char **value, size_t *value_len) {
  size_t len = strlen(name);
  if (n <= len || s[len] != ':' || strncasecmp(s, name, len) != 0) return 0;
  size_t i = len + 1;
  while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
  size_t end = n;
  while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t')) end--;
  *value = s + i;
  *value_len = end - i;
  return 1;
}

int pc_parse_decimal(const char *s, size_t n, int64_t *out) {
  if (n == 0) return -1;
  int64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
    if (v > PC_MAX_LENGTH) return -1;
  }
  *out = v;
  return 0;
}

void pc_connection_tokens(const char *v, size_t n, int *close, int *keep_alive) {
  size_t i = 0;
  while (i < n) {
    while (i < n && (v[i] == ',' || v[i] == ' ' || v[i] == '\t')) i++;
    size_t start = i;
    while (i < n && v[i] != ',') i++;
    size_t end = i;
    while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t')) end--;
    if (end - start == 5 && strncasecmp(v + start, "close", 5) == 0) *close = 1;
    if (end - start == 10 && strncasecmp(v + start, "keep-alive", 10) == 0) *keep_alive = 1;
  }
}
