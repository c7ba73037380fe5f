/**
 * The fixed set of error codes portchurn counts by. Errors are never keyed by message text.
 * Errno names that are not listed here are still counted under their own name (`EHOSTDOWN`),
 * since the kernel's set is fixed too; anything that has no errno name is `OTHER`.
 */
export const KNOWN_ERROR_CODES = {
  EADDRNOTAVAIL: 'connect() found no free 4-tuple (kernel port mode: source ports exhausted)',
  EADDRINUSE: 'bind() found no free port for the source address, or the chosen port is taken',
  ECONNREFUSED: 'nothing listens at the target (or its accept queue overflowed)',
  ECONNRESET: 'the peer reset the connection',
  ETIMEDOUT: 'the kernel gave up connecting (SYN retries)',
  EMFILE: 'this process ran out of file descriptors (raise ulimit -n)',
  ENFILE: 'the system ran out of file descriptors',
  EPIPE: 'wrote to a connection the peer had closed',
  TIMEOUT: "portchurn's own per-connection --timeout expired",
  ABORTED: 'still in flight when an interrupted run ended its grace period',
  CLOSED_EARLY: 'the peer closed before a full response (or --expect-bytes) arrived',
  BAD_RESPONSE: 'the response was not valid HTTP/1.x',
  SOCKET_OPTION:
    'native engine: a socket option the measurement depends on could not be set (SO_LINGER for --close reset, SO_REUSEADDR, IP_BIND_ADDRESS_NO_PORT, IP_LOCAL_PORT_RANGE), so the attempt is not counted as what was asked',
  TLS: 'TLS handshake or certificate error',
  HTTP_1XX: 'final status 1xx',
  HTTP_3XX: 'status 3xx',
  HTTP_4XX: 'status 4xx',
  HTTP_5XX: 'status 5xx',
  OTHER: 'an error with no errno name',
} as const;

/** A code errors are counted by: one of `KNOWN_ERROR_CODES`, or another errno name. */
export type ErrorCode = keyof typeof KNOWN_ERROR_CODES | `E${string}`;
