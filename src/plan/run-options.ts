import type { ClosePolicy, EngineChoice, PortMode } from './plan.js';
import type { NamespaceOptions } from './namespace.js';

/** Options as a user gives them, on the command line or to `run()`. Every field is optional. */
export interface RunOptions extends NamespaceOptions {
  /** `http://`, `https://` or `tcp://host:port`; absent: the built-in target. */
  target?: string;
  /** Built-in target: where it listens. Default `127.0.0.1:0`. */
  listen?: string;
  /** Built-in target: fixed delay before each response. Default `0ms`. */
  delay?: string;
  /** Built-in target: response body size. Default `2` bytes. */
  bodySize?: string | number;
  /** Built-in target: native threads. Default: a quarter of the cores, at least 1. */
  targetThreads?: string | number;
  /** Built-in target: `native`, `js`, or `auto` (native where the addon is built). Default `auto`. */
  targetEngine?: EngineChoice;
  /** Built-in target: `http` (a request, a 200 answer) or `tcp` (a greeting of --body-size bytes at accept; native target). Default `http`. */
  targetProtocol?: 'http' | 'tcp';
  /** Source addresses: a count, a list, a range or a CIDR block. */
  sources?: string | number;
  /** First address when `sources` is a count. Default `127.0.0.1`. */
  sourceBase?: string;
  /** Default: `kernel` without `sources`, `bind` with. */
  portMode?: PortMode;
  /** `LO-HI`, explicit mode only. Default: outside the kernel's ephemeral range. */
  explicitPorts?: string;
  /** `LO-HI`: IP_LOCAL_PORT_RANGE on every socket (native engine, Linux 6.3+). */
  socketPortRange?: string;
  /** Allow `explicitPorts` inside ip_local_port_range (safe only inside a network namespace). */
  allowEphemeralOverlap?: boolean;
  close?: ClosePolicy;
  /** Closed loop: connections in flight. Default 64 when `rate` is absent. */
  connections?: number | string;
  /** Open loop: requests per second. */
  rate?: number | string;
  /** Open loop: most connections in flight at once. Default 10,000. */
  maxInFlight?: number | string;
  /** Default `10s` when `requests` is absent. */
  duration?: string;
  requests?: number | string;
  /** Per-connection timeout. Default `10s`. */
  timeout?: string;
  method?: string;
  header?: readonly string[];
  body?: string;
  /** Raw TCP target: bytes to send after connect. */
  payload?: string;
  /** Raw TCP target: bytes to wait for before closing. */
  expectBytes?: number | string;
  allowRemote?: boolean;
  insecure?: boolean;
  /** `--close keepalive` client: `raw` (default) or `undici`. */
  keepaliveClient?: 'raw' | 'undici';
  /** `--fail-on` expressions (repeatable): `error-rate>1%`, `p99>50ms`, `ok-rate<0.9*predicted`. */
  failOn?: readonly string[];
  /** Generator threads. Default 1 (what bench/ found best on a 2-core machine). */
  workers?: number | string;
  /** Socket-state sampling period, e.g. `1s`; `0s` turns it off. Default `1s`. */
  sampleInterval?: string;
  /** Time the native engine's bind() and connect() calls. Default true. */
  callTimes?: boolean;
  /** `auto` (default), `native` or `js`. */
  engine?: EngineChoice;
}
