#include "engine/framing.h"

#include "common/http_fields.h"

#include <string.h>
#include <strings.h>

enum {
  ST_STATUS,     /* the status line */
  ST_HEADERS,    /* header lines up to the empty one */
  ST_BODY,       /* `remaining` bytes of a Content-Length body */
  ST_CHUNK_SIZE, /* a chunk-size line */
  ST_CHUNK_DATA, /* `remaining` bytes of chunk data */
  ST_CHUNK_CRLF, /* the CRLF after chunk data */
  ST_TRAILERS,   /* trailer lines up to the empty one */
  ST_UNTIL_EOF,  /* a body that ends with the connection */
  ST_DONE,
  ST_ERROR
};

void pc_framer_reset(pc_framer *f, int head_request) {
  f->state = ST_STATUS;
  f->head_request = head_request;
  f->status = 0;
  f->chunked = 0;
  f->until_eof = 0;
  f->http10 = 0;
  f->conn_close = 0;
  f->conn_keep_alive = 0;
  f->remaining = 0;
  f->content_length = -1;
  f->line_len = 0;
}

/* The kept part of the current line, without its CR. */
static size_t kept(const pc_framer *f) {
  size_t n = f->line_len < PC_LINE_KEEP ? f->line_len : PC_LINE_KEEP;
  if (n > 0 && f->line_len <= PC_LINE_KEEP && f->line[n - 1] == '\r') n--;
  return n;
}

static int parse_status(pc_framer *f, const char *s, size_t n) {
  /* "HTTP/1.0 NNN ..." or "HTTP/1.1 NNN ...", as the JavaScript reader accepts */
  if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ') return -1;
  int status = 0;
  for (int i = 9; i < 12; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    status = status * 10 + (s[i] - '0');
  }
  if (n > 12 && s[12] != ' ') return -1;
  if (status < 100) return -1;
  f->status = status;
  f->http10 = s[7] == '0';
  return 0;
}

static int parse_chunk_size(const char *s, size_t n, int64_t *out) {
  int64_t v = 0;
  size_t i = 0;
  for (; i < n; i++) {
    char c = s[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) break;
    v = v * 16 + d;
    if (v > PC_MAX_LENGTH) return -1;
  }
  if (i == 0) return -1;
  /* Chunk extensions (";name=value") and spaces may follow the size. */
  if (i < n && s[i] != ';' && s[i] != ' ' && s[i] != '\t') return -1;
  *out = v;
  return 0;
}

/* The body that follows the headers just ended, by RFC 9112 section 6.3. */
static void start_body(pc_framer *f) {
  if (f->status >= 100 && f->status < 200 && f->status != 101) {
    /* An interim response: the real one follows. */
    int head = f->head_request;
    pc_framer_reset(f, head);
    return;
  }
  if (f->head_request || f->status == 204 || f->status == 304) {
    f->state = ST_DONE;
  } else if (f->chunked) {
    f->state = ST_CHUNK_SIZE;
  } else if (f->content_length >= 0) {
    f->remaining = f->content_length;
    f->state = f->remaining == 0 ? ST_DONE : ST_BODY;
  } else {
    f->until_eof = 1;
    f->state = ST_UNTIL_EOF;
  }
}

/* One complete line (its kept part) in the current state. */
static void on_line(pc_framer *f) {
  size_t n = kept(f);
  const char *s = f->line;
  const char *value;
  size_t value_len;
  switch (f->state) {
    case ST_STATUS:
      if (parse_status(f, s, n) != 0)
        f->state = ST_ERROR;
      else
        f->state = ST_HEADERS;
      break;
    case ST_HEADERS:
      if (n == 0 && f->line_len <= 1) {
        start_body(f);
      } else if (pc_header_is(s, n, "content-length", &value, &value_len)) {
        int64_t v;
        if (f->line_len > PC_LINE_KEEP || pc_parse_decimal(value, value_len, &v) != 0 || (f->content_length >= 0 && v != f->content_length))
          f->state = ST_ERROR;
        else
          f->content_length = v;
      } else if (pc_header_is(s, n, "transfer-encoding", &value, &value_len)) {
        if (f->line_len > PC_LINE_KEEP) f->state = ST_ERROR;
        /* chunked must be the last coding */
        else
          f->chunked = value_len >= 7 && strncasecmp(value + value_len - 7, "chunked", 7) == 0;
      } else if (pc_header_is(s, n, "connection", &value, &value_len)) {
        /* A Connection header longer than is kept may hide a `close`: do not reuse. */
        if (f->line_len > PC_LINE_KEEP)
          f->conn_close = 1;
        else
          pc_connection_tokens(value, value_len, &f->conn_close, &f->conn_keep_alive);
      }
      break;
    case ST_CHUNK_SIZE: {
      int64_t v;
      if (parse_chunk_size(s, n, &v) != 0) {
        f->state = ST_ERROR;
      } else if (v == 0) {
        f->state = ST_TRAILERS;
      } else {
        f->remaining = v;
        f->state = ST_CHUNK_DATA;
      }
      break;
    }
    case ST_CHUNK_CRLF:
      f->state = n == 0 ? ST_CHUNK_SIZE : ST_ERROR;
      break;
    case ST_TRAILERS:
      if (n == 0 && f->line_len <= 1) f->state = ST_DONE;
      break;
    default:
      break;
  }
  f->line_len = 0;
}

pc_frame_state pc_framer_feed(pc_framer *f, const char *data, size_t len, size_t *used) {
  size_t i = 0;
  while (i < len && f->state != ST_DONE && f->state != ST_ERROR) {
    if (f->state == ST_BODY || f->state == ST_CHUNK_DATA) {
      size_t take = (int64_t)(len - i) < f->remaining ? len - i : (size_t)f->remaining;
      f->remaining -= (int64_t)take;
      i += take;
      if (f->remaining == 0) f->state = f->state == ST_BODY ? ST_DONE : ST_CHUNK_CRLF;
      continue;
    }
    if (f->state == ST_UNTIL_EOF) {
      i = len;
      break;
    }
    /* A line-oriented state: keep up to PC_LINE_KEEP bytes, end at LF. */
    const char *lf = memchr(data + i, '\n', len - i);
    size_t end = lf ? (size_t)(lf - data) : len;
    size_t piece = end - i;
    if (f->line_len < PC_LINE_KEEP) {
      size_t room = PC_LINE_KEEP - f->line_len;
      memcpy(f->line + f->line_len, data + i, piece < room ? piece : room);
    }
    f->line_len += piece;
    i = end;
    if (lf) {
      i++; /* the LF */
      on_line(f);
    }
  }
  *used = i;
  if (f->state == ST_DONE) return PC_FRAME_DONE;
  if (f->state == ST_ERROR) return PC_FRAME_ERROR;
  return PC_FRAME_MORE;
}

pc_frame_state pc_framer_eof(pc_framer *f) {
  if (f->state == ST_DONE || f->state == ST_UNTIL_EOF) {
    f->state = ST_DONE;
    return PC_FRAME_DONE;
  }
  return PC_FRAME_ERROR;
}

int pc_framer_reusable(const pc_framer *f) {
  if (f->state != ST_DONE || f->until_eof || f->conn_close) return 0;
  return !f->http10 || f->conn_keep_alive;
}
