import type { TargetEndpoint } from './target-url.js';
import type { PortRange } from './ports.js';
import type { NamespaceSpec } from './namespace.js';
import type { Threshold } from './thresholds.js';

/**
 * How a connection gets its source address and port.
 * - `kernel`: no bind(); connect() picks address and port, and needs only the 4-tuple to be free.
 *   Exhaustion shows as EADDRNOTAVAIL. The single-address baseline.
 * - `bind`: bind(address, 0) then connect(), which is what Node's `localAddress` does. The port is
 *   reserved for that address whatever the destination; exhaustion shows as EADDRINUSE at bind().
 * - `nobind`: IP_BIND_ADDRESS_NO_PORT, then bind(address, 0), then connect(): the address is fixed
 *   and connect() picks the port over the whole 4-tuple, as nginx's proxy_bind does. Exhaustion
 *   shows as EADDRNOTAVAIL, per destination. Native engine only (Node cannot set the option).
 * - `explicit`: the tool picks each source port itself (bind(address, port) then connect()),
 *   cycling through `explicitPorts` per address.
 */
export type PortMode = 'kernel' | 'bind' | 'nobind' | 'explicit';

/** Which engine runs the load: `native` (the C addon's epoll threads), `js` (Node's net), or `auto` (native where it loaded and can). */
export type EngineChoice = 'auto' | 'native' | 'js';

/**
 * Who ends each connection, and so where TIME_WAIT lands.
 * - `client`: the client closes first after the full response: TIME_WAIT on the client, ports consumed.
 * - `server`: the request says `Connection: close`; the server closes first: TIME_WAIT on the server.
 * - `reset`: the client aborts with RST (SO_LINGER 0): no TIME_WAIT anywhere.
 * - `keepalive`: a reference run that reuses connections (portchurn's raw sockets by default, or
 *   undici's pool with `--keepalive-client undici`).
 */
export type ClosePolicy = 'client' | 'server' | 'reset' | 'keepalive';

/** Closed loop: `connections` in flight, each starting the next when it ends. Open loop: `ratePerSec` on schedule. */
export type LoadModel =
  | { readonly kind: 'closed'; readonly connections: number }
  | { readonly kind: 'open'; readonly ratePerSec: number; readonly maxInFlight: number };

/** One address:port the built-in target listens on (port 0: any free port). */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** The built-in HTTP/1.1 target, started by the runner. */
export interface BuiltinTargetPlan {
  readonly kind: 'builtin';
  readonly listen: readonly ListenAddress[];
  /** Fixed delay before each response. */
  readonly delayMs: number;
  /** Response body size (tcp: the greeting's). */
  readonly bodyBytes: number;
  /** `http`: a request, a 200 answer; `tcp`: --body-size bytes written at accept, whatever the client sends read and dropped (native target only). */
  readonly protocol: 'http' | 'tcp';
  /** Native target threads; null: the default of the machine it runs on (a quarter of the cores, at least 1). */
  readonly threads: number | null;
  /** Which target: `native` (the addon's epoll threads), `js` (Node's http server), or `auto` (native where it is built). */
  readonly engine: EngineChoice;
}

/** A target the user runs. */
export interface ExternalTargetPlan {
  readonly kind: 'external';
  readonly endpoint: TargetEndpoint;
  /**
   * Further IP addresses and ports serving the same endpoint (its path and protocol), which the
   * load turns over with the endpoint's own as it does over the built-in target's addresses;
   * checked like the endpoint's host. Set by library callers (the NAT scene's servers); absent: none.
   */
  readonly moreEndpoints?: readonly { readonly host: string; readonly port: number }[];
}

/** The one typed description of a run. Build it with `buildPlan`, which fills the defaults in `PLAN_DEFAULTS`. */
export interface Plan {
  readonly target: BuiltinTargetPlan | ExternalTargetPlan;
  /** Source addresses, spread round-robin. Empty in kernel mode without `--sources`. */
  readonly sources: readonly string[];
  readonly portMode: PortMode;
  /** Port range cycled per address in explicit mode; null otherwise. */
  readonly explicitPorts: PortRange | null;
  /**
   * IP_LOCAL_PORT_RANGE on every socket (Linux 6.3+, native engine): the kernel picks this
   * socket's ports from here instead of ip_local_port_range, no sysctl touched; null: not set.
   */
  readonly socketPortRange: PortRange | null;
  readonly close: ClosePolicy;
  readonly load: LoadModel;
  /** Run length; null when bounded by `requests` alone. */
  readonly durationMs: number | null;
  /** Attempt count; null when bounded by `durationMs` alone. */
  readonly requests: number | null;
  /** Per-connection limit from start to completion; past it the attempt counts as TIMEOUT. */
  readonly timeoutMs: number;
  readonly http: {
    readonly method: string;
    readonly headers: readonly (readonly [string, string])[];
    readonly body: string | null;
  };
  readonly tcp: {
    /** Bytes written after connect (raw TCP target). */
    readonly payload: string | null;
    /** Bytes to read before closing (raw TCP target); 0 closes right after connect (and payload). */
    readonly expectBytes: number;
  };
  /** `--close keepalive`: portchurn's raw sockets (`raw`, the fast path) or undici's pool (`undici`, the reference). */
  readonly keepaliveClient: 'raw' | 'undici';
  /** `--fail-on` conditions, checked after the run (each stage of a sweep on its own). */
  readonly thresholds: readonly Threshold[];
  /** Generator threads; the sources, connections (or rate) and requests are divided among them. */
  readonly workers: number;
  /** Run inside a fresh network namespace with these settings; null: on the host. */
  readonly netns: NamespaceSpec | null;
  /**
   * Why the run shares the host's network namespace (its TIME_WAIT table, port range and kernel
   * counters) with every other program; null when it runs in a namespace of its own.
   */
  readonly hostReason: string | null;
  /** How often the socket-state sampler reads socket states (sock_diag, or /proc/net/tcp without the addon) during the load; 0: no sampling. */
  readonly sampleIntervalMs: number;
  /**
   * Whether the native engine times its own bind() and connect() calls (two clock reads each,
   * where the kernel's port search happens); false: not timed, and the result's call times are null.
   * Always set by buildPlan; absent in results from before 0.4, which timed them.
   */
  readonly callTimes?: boolean;
  /** Accept a self-signed certificate on https targets. */
  readonly insecure: boolean;
  /** Set when the user allowed a non-loopback target. */
  readonly allowRemote: boolean;
  /** The engine asked for; the result says which ran. */
  readonly engine: EngineChoice;
}

/** The values each choice option takes, stated once (the plan checks them; the CLI offers them). */
export const PORT_MODES: readonly PortMode[] = ['kernel', 'bind', 'nobind', 'explicit'];
export const CLOSE_POLICIES: readonly ClosePolicy[] = ['client', 'server', 'reset', 'keepalive'];
export const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'native', 'js'];
export const KEEPALIVE_CLIENTS: readonly ('raw' | 'undici')[] = ['raw', 'undici'];

/** Documented defaults, applied by `buildPlan`. */
export const PLAN_DEFAULTS = {
  listen: '127.0.0.1:0',
  sourceBase: '127.0.0.1',
  close: 'client' as ClosePolicy,
  connections: 64,
  maxInFlight: 10_000,
  duration: '10s',
  timeout: '10s',
  method: 'GET',
  delay: '0ms',
  bodySize: '2',
  expectBytes: 0,
  sampleInterval: '1s',
  callTimes: true,
  workers: 1,
  keepaliveClient: 'raw' as 'raw' | 'undici',
  engine: 'auto' as EngineChoice,
} as const;
