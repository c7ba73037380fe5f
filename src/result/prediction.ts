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
}
