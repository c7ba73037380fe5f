/*
 * Minimal HTTP/1.x response framing: finds where a response ends, nothing more. Every byte is
 * the network's, so every length is checked: only the first PC_LINE_KEEP bytes of a line are
 * kept (enough for the status line, Content-Length, Transfer-Encoding and a chunk size; the rest
 * of a long header is skipped, so a slot needs no more memory however long the line), and a
 * status line, length or chunk size that does not parse is a BAD_RESPONSE.
 */
#ifndef PC_FRAMING_H
#define PC_FRAMING_H
#include <stddef.h>
#include <stdint.h>

#define PC_LINE_KEEP 256

typedef enum {
  PC_FRAME_MORE = 0, /* need more bytes */
  PC_FRAME_DONE = 1, /* the response is complete */
  PC_FRAME_ERROR = 2 /* not HTTP/1.x */
} pc_frame_state;

typedef struct {
  int state;        /* internal parser state */
  int head_request; /* the request was HEAD: no body */
  int status;       /* the final status, once seen */
  int chunked;
  int until_eof;       /* no length: the body ends with the connection */
  int http10;          /* the status line said HTTP/1.0 */
  int conn_close;      /* `Connection: close` */
  int conn_keep_alive; /* `Connection: keep-alive` (HTTP/1.0's opt-in) */
  int64_t remaining;   /* body or chunk bytes still to come */
  int64_t content_length;
  size_t line_len; /* bytes of the current line seen (may exceed what is kept) */
  char line[PC_LINE_KEEP];
} pc_framer;

void pc_framer_reset(pc_framer *f, int head_request);
/* Feeds bytes; `*used` is how many it consumed (the rest belongs after the response). */
pc_frame_state pc_framer_feed(pc_framer *f, const char *data, size_t len, size_t *used);
/* The connection ended: a body delimited by EOF is complete; anything else was cut short. */
pc_frame_state pc_framer_eof(pc_framer *f);
/*
 * After PC_FRAME_DONE: may the connection carry another request? Not when the server asked to
 * close, spoke HTTP/1.0 without keep-alive, or delimited the body by closing.
 */
int pc_framer_reusable(const pc_framer *f);

#endif
