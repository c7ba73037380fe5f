/** What the model predicts for one stage. */
export interface Prediction {
  /** False when ports are not what limits this stage (server closes, RST, reuse at once, bucket cap). */
  readonly portBound: boolean;
  /** Ports one source address can use at once. */
  readonly usablePorts: number | null;
  /** 4-tuples usable at once (sources x ports, x destinations where the kernel counts them). */
  readonly tuples: number | null;
  /** How long a used 4-tuple stays unusable: 60 s, or tcp_tw_reuse_delay where reuse applies. */
  readonly holdSec: number | null;
  /** Sustainable new connections per second: tuples / holdSec. */
  readonly sustainedPerSec: number | null;
  /** Most successes possible in the stage's duration: tuples x (floor(duration / hold) + 1). */
  readonly ceilingOk: number | null;
  /** ceilingOk / duration: the figure measured ok/s is compared with. */
  readonly ceilingPerSec: number | null;
  /** What sets the ceiling: the 4-tuple space, or (open loop) the offered rate; null when not port-bound. */
  readonly limitedBy: 'ports' | 'offered' | null;
  /** The formula with its numbers, for reports. */
  readonly formula: string;
  readonly notes: readonly string[];
  /**
   * The kernel's port search over the stage (model/port-search.ts): where the fall comes, how fast
   * the stage goes after it, and the stage's expected ok/s, which meas/model compares with where it
   * is set. Null where nothing searches or nothing fell; absent in results from before 0.4.
   */
  readonly portSearch?: PortSearchPrediction | null;
}

/** What the port-search probe measured on this kernel (stored in the result's environment). */
export interface PortSearchCalibration {
  /** The kernel's release (uname -r) the probe ran on. */
  readonly kernel: string;
  readonly tookMs: number;
  /**
   * connect(): over a range filled whole, its fast cost and the connection the fall came at (null:
   * none came); then the cost of a port walked past the fall, by the length of the walk (half the
   * range of each size probed): the longer the walk, the more of it misses the caches.
   */
  readonly connect: {
    readonly rangePorts: number;
    readonly fastUs: number;
    readonly fallAt: number | null;
    readonly walk: readonly { readonly walkedPorts: number; readonly callUs: number; readonly nsPerPort: number }[];
  };
  /**
   * bind(addr, 0) over a range filled to half: its fast cost, where the fall came, and the cost of
   * each port it probes (bindProbes in model/port-search.ts counts them).
   */
  readonly bind: {
    readonly rangePorts: number;
    readonly fastUs: number;
    readonly fallAt: number | null;
    readonly nsPerProbe: number | null;
  };
  /** The behaviour found, in a sentence. */
  readonly behaviour: string;
}

/** The port search's shape of one stage. */
export interface PortSearchPrediction {
  /** The call that searches for the port on this path. */
  readonly call: 'connect()' | 'bind()';
  /** (source, destination) pairs for connect(), source addresses for bind(). */
  readonly pairs: number;
  /** Connections a pair makes at the fast rate: half its usable range (connect), a quarter (bind). */
  readonly fastPerPair: number;
  /** pairs x fastPerPair: the connection count the fall comes at. */
  readonly fallAt: number;
  /**
   * The generator's own rate before the fall, from the stage's whole seconds before it; when the
   * fall came within the first second, the rate whose simulated first second makes that second's
   * count (inferred from the measured count, not predicted).
   */
  readonly fastPerSec: number;
  /** A searching call's predicted cost after the fall (µs), from the probe; null uncalibrated. */
  readonly slowCallUs: number | null;
  /** False when no probe calibrated the walk's cost: then nothing after the fall is predicted. */
  readonly calibrated: boolean;
  /** The stage's predicted successes and their rate; null uncalibrated. */
  readonly expectedOk: number | null;
  readonly expectedPerSec: number | null;
  /** Predicted ok in each second of the stage (empty uncalibrated). */
  readonly curve: readonly number[];
}
