/*
 * Pieces of HTTP/1.x that both parsers read (framing.c the responses a target sends, request.c
 * the requests a client sends): a header's name, a decimal length, the Connection tokens. Every
 * byte is the network's: lengths are checked, nothing is read past `n`.
 */
#ifndef PC_HTTP_FIELDS_H
#define PC_HTTP_FIELDS_H
#include <stddef.h>
#include <stdint.h>

/* 2^53: the largest length JavaScript could hold exactly; larger is not a real message. */
#define PC_MAX_LENGTH ((int64_t)1 << 53)

/* Does a header line name `name` (case-insensitively)? Then *value points past the colon and spaces. */
int pc_header_is(const char *s, size_t n, const char *name, const char **value, size_t *value_len);
/* A decimal length, 0 to PC_MAX_LENGTH; -1 when it is not one. */
int pc_parse_decimal(const char *s, size_t n, int64_t *out);
/* The tokens of a Connection header ("close", "keep-alive", comma-separated, any case): sets the flags seen. */
void pc_connection_tokens(const char *v, size_t n, int *close, int *keep_alive);

#endif
