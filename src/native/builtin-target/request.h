/*
 * The built-in target's request reader: finds where a request (head and Content-Length body)
 * ends, and what it asks of the connection. Every byte is the network's and the client may be
 * hostile: only the first PC_REQUEST_LINE_KEEP bytes of a line and its last few are kept, a line
 * longer than PC_REQUEST_LINE_MAX or a head longer than PC_REQUEST_HEAD_MAX is refused
 * (TOO_LONG), anything that is not an HTTP/1.0 or 1.1 request is refused (MALFORMED), so a
 * connection never costs more than this struct however much it sends.
 */
#ifndef PC_REQUEST_H
#define PC_REQUEST_H
#include <stddef.h>
#include <stdint.h>

#define PC_REQUEST_LINE_KEEP 256
#define PC_REQUEST_LINE_MAX 8192
#define PC_REQUEST_HEAD_MAX 32768
/* The path of the stats endpoint, answered with the counts and not counted itself. */
#define PC_STATS_PATH "/__portchurn/stats"

typedef enum {
  PC_REQUEST_MORE = 0,      /* need more bytes */
  PC_REQUEST_DONE = 1,      /* the whole request (head and body) is in */
  PC_REQUEST_TOO_LONG = 2,  /* a line or the head is longer than allowed */
  PC_REQUEST_MALFORMED = 3, /* not an HTTP/1.x request this target reads */
} pc_request_state;

typedef struct {
  int state;         /* internal parser state */
  size_t line_len;   /* bytes of the current line seen (may exceed what is kept) */
  size_t head_len;   /* bytes of the head seen */
  int64_t body_left; /* Content-Length bytes still to come */
  int64_t content_length;
  int http10;          /* the request line said HTTP/1.0 */
  int conn_close;      /* `Connection: close` */
  int conn_keep_alive; /* `Connection: keep-alive` */
  int stats;           /* GET of PC_STATS_PATH */
  char tail[10];       /* the last bytes of the current line (the version ends the request line) */
  char line[PC_REQUEST_LINE_KEEP];
} pc_request;

void pc_request_reset(pc_request *r);
/* Feeds bytes; `*used` is how many it took (the rest belongs to the next request). */
pc_request_state pc_request_feed(pc_request *r, const char *data, size_t len, size_t *used);
/* After DONE: does the client ask to keep the connection (HTTP/1.1 without close, or 1.0 with keep-alive)? */
int pc_request_keeps(const pc_request *r);

#endif
