#include "builtin-target/request.h"

#include <string.h>

#include "common/http_fields.h"

enum { ST_REQUEST_LINE, ST_HEADERS, ST_BODY, ST_DONE, ST_TOO_LONG, ST_MALFORMED };

void pc_request_reset(pc_request *r) {
  r->state = ST_REQUEST_LINE;
  r->line_len = 0;
  r->head_len = 0;
  r->body_left = 0;
  r->content_length = -1;
  r->http10 = 0;
  r->conn_close = 0;
  r->conn_keep_alive = 0;
  r->stats = 0;
}

/* A tchar of RFC 9110: what a method or a header name is made of. */
static int is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* The current line's length without its CR, and the kept part of it. */
static size_t line_length(const pc_request *r) {
  return r->line_len > 0 && r->tail[sizeof r->tail - 1] == '\r' ? r->line_len - 1 : r->line_len;
}

/* "METHOD SP target SP HTTP/1.x": the method in the kept part, the version at the line's end. */
static int request_line(pc_request *r) {
  size_t n = line_length(r);
  size_t kept = n < PC_REQUEST_LINE_KEEP ? n : PC_REQUEST_LINE_KEEP;
  /* The version is the last 9 bytes before the CR: " HTTP/1.0" or " HTTP/1.1". */
  const char *end = r->tail + sizeof r->tail - (r->line_len > n ? 1 : 0);
  if (n < 12 || memcmp(end - 9, " HTTP/1.", 8) != 0 || (end[-1] != '0' && end[-1] != '1')) return -1;
  size_t m = 0;
  while (m < kept && is_tchar(r->line[m])) m++;
  if (m == 0 || m >= kept || r->line[m] != ' ' || m + 1 + 9 >= n) return -1;
  /* The target: no spaces or controls in what is kept of it. */
  for (size_t i = m + 1; i < kept && i < n - 9; i++)
    if ((unsigned char)r->line[i] <= ' ' || r->line[i] == 0x7f) return -1;
  r->http10 = end[-1] == '0';
  static const char stats[] = "GET " PC_STATS_PATH " ";
  r->stats = n == sizeof stats - 1 + 8 && memcmp(r->line, stats, sizeof stats - 1) == 0;
  return 0;
}

/* One header line: a name, a colon, a value; the three this target reads are checked. */
static int header(pc_request *r) {
  size_t n = line_length(r);
  size_t kept = n < PC_REQUEST_LINE_KEEP ? n : PC_REQUEST_LINE_KEEP;
  size_t colon = 0;
  while (colon < kept && is_tchar(r->line[colon])) colon++;
  /* No name, a name longer than is kept, or a folded line (leading space): not read here. */
  if (colon == 0 || colon >= kept || r->line[colon] != ':') return -1;
  const char *value;
  size_t value_len;
  if (pc_header_is(r->line, kept, "content-length", &value, &value_len)) {
    int64_t v;
    if (n > PC_REQUEST_LINE_KEEP || pc_parse_decimal(value, value_len, &v) != 0 || (r->content_length >= 0 && v != r->content_length))
      return -1;
    r->content_length = v;
  } else if (pc_header_is(r->line, kept, "transfer-encoding", &value, &value_len)) {
    return -1; /* a request body in chunks: not something a load generator sends; refused */
  } else if (pc_header_is(r->line, kept, "connection", &value, &value_len)) {
    if (n > PC_REQUEST_LINE_KEEP)
      r->conn_close = 1; /* a Connection header longer than is kept may hide a close */
    else
      pc_connection_tokens(value, value_len, &r->conn_close, &r->conn_keep_alive);
  }
  return 0;
}

static void on_line(pc_request *r) {
  size_t n = line_length(r);
  if (r->state == ST_REQUEST_LINE) {
    /* Empty lines before a request are allowed (RFC 9112 2.2). */
    if (n > 0) r->state = request_line(r) == 0 ? ST_HEADERS : ST_MALFORMED;
  } else if (n == 0) {
    r->body_left = r->content_length > 0 ? r->content_length : 0;
    r->state = r->body_left > 0 ? ST_BODY : ST_DONE;
  } else if (header(r) != 0) {
    r->state = ST_MALFORMED;
  }
  r->line_len = 0;
}

/* Appends a piece of the current line: the first bytes kept whole, the last few in the tail. */
static void take_line_bytes(pc_request *r, const char *p, size_t n) {
  if (r->line_len < PC_REQUEST_LINE_KEEP) {
    size_t room = PC_REQUEST_LINE_KEEP - r->line_len;
    memcpy(r->line + r->line_len, p, n < room ? n : room);
  }
  size_t t = sizeof r->tail;
  if (n >= t) {
    memcpy(r->tail, p + n - t, t);
  } else {
    memmove(r->tail, r->tail + n, t - n);
    memcpy(r->tail + t - n, p, n);
  }
  r->line_len += n;
}

pc_request_state pc_request_feed(pc_request *r, const char *data, size_t len, size_t *used) {
  size_t i = 0;
  while (i < len && (r->state == ST_REQUEST_LINE || r->state == ST_HEADERS || r->state == ST_BODY)) {
    if (r->state == ST_BODY) {
      size_t take = (int64_t)(len - i) < r->body_left ? len - i : (size_t)r->body_left;
      r->body_left -= (int64_t)take;
      i += take;
      if (r->body_left == 0) r->state = ST_DONE;
      continue;
    }
    const char *lf = memchr(data + i, '\n', len - i);
    size_t end = lf ? (size_t)(lf - data) : len;
    take_line_bytes(r, data + i, end - i);
    r->head_len += end - i + (lf ? 1 : 0);
    i = lf ? end + 1 : end;
    if (r->line_len > PC_REQUEST_LINE_MAX || r->head_len > PC_REQUEST_HEAD_MAX) {
      r->state = ST_TOO_LONG;
      break;
    }
    if (lf) on_line(r);
  }
  *used = i;
  switch (r->state) {
    case ST_DONE:
      return PC_REQUEST_DONE;
    case ST_TOO_LONG:
      return PC_REQUEST_TOO_LONG;
    case ST_MALFORMED:
      return PC_REQUEST_MALFORMED;
    default:
      return PC_REQUEST_MORE;
  }
}

int pc_request_keeps(const pc_request *r) {
  if (r->state != ST_DONE || r->conn_close) return 0;
  return !r->http10 || r->conn_keep_alive;
}
