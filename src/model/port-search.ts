import type { PortMode } from '../plan/plan.js';
import type { PortSearchCalibration, PortSearchPrediction } from '../result/prediction.js';

/*
 * The kernel's port search, and what it costs a stage (docs/kernel.md says it with the sources).
 *
 * connect() without a bound port (the kernel and nobind paths) runs __inet_hash_connect()
 * (net/ipv4/inet_hashtables.c): it starts at an offset kept per (source, destination, port) hash
 * (table_perturb, advanced past each port it hands out) and walks the range in steps of 2, "in
 * first pass we try ports of @low parity", the other parity only when that half is all held. With
 * the client closing first and no tcp_tw_reuse, each port it hands out stays held in TIME_WAIT for
 * 60 s (TCP_TIMEWAIT_LEN), so one (source, destination) pair gets half its range at one probe a
 * connect(); from then on every connect() probes the whole held half (each port's bucket and
 * 4-tuple checked, ~130 ns here) before it reaches the other parity. The fall comes at
 * pairs x half the usable range; the range itself runs out at pairs x the usable range.
 *
 * bind(addr, 0) with SO_REUSEADDR (the bind path) runs inet_csk_find_open_port()
 * (net/ipv4/inet_connection_sock.c): the lower half of the range first ("attempt_half"), the odd
 * ports of it first ("offset |= 1U", the parity connect() leaves alone), from a random offset
 * (get_random_u32_below), taking the first port no socket on the same address holds (with
 * SO_REUSEADDR a TIME_WAIT socket still conflicts: relax is false on the first pass). That is
 * linear probing from a random start, so held ports gather in runs and a bind() at load a of its
 * quarter probes about (1 + 1/(1-a)^2)/2 ports (Knuth's unsuccessful search); once the quarter is
 * held it walks all of it before the even ports of the lower half, then the upper half. One
 * source address gets about 3/4 of a quarter of its range cheaply; the cost climbs towards the
 * quarter (bindProbes below).
 *
 * Explicit ports search nothing. Where connect() takes a TIME_WAIT port back (tcp_tw_reuse=1, or 2
 * on loopback, with timestamps), a port is held only tcp_tw_reuse_delay, so only a pair faster
 * than half its range a delay falls. How fast the ports go before the fall is the generator's own
 * rate, not the ports': the model takes it from the stage's seconds before the fall, and predicts
 * where the fall comes, how fast the stage goes after it (from the probe's cost of a walked port),
 * and when the range runs out.
 */

/** Which call searches for the port on a port path; null where nothing searches (explicit ports). */
export function searchingCall(portMode: PortMode): 'connect' | 'bind' | null {
  if (portMode === 'explicit') return null;
  return portMode === 'bind' ? 'bind' : 'connect';
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

/** Where a call's cost rises `factor`-fold over its first calls' median: the first of 25 calls whose median does. */
function fallOf(ns: readonly number[], fastShare: number, factor: number): { fastUs: number; fallAt: number | null } {
  const fast = median(ns.slice(0, Math.max(1, Math.floor(ns.length * fastShare))));
  const window = 25;
  for (let i = 0; i + window <= ns.length; i += 1)
    if (median(ns.slice(i, i + window)) > factor * fast) return { fastUs: fast / 1000, fallAt: i };
  return { fastUs: fast / 1000, fallAt: null };
}

/**
 * The calibration from the probe's timings (ns of each searching call, in order): connect() over
 * ranges of several sizes (the first filled whole, the others to half and a little past) and bind()
 * over one range filled whole.
 */
export function calibrationOf(
  connect: readonly { readonly rangePorts: number; readonly ns: readonly number[] }[],
  bind: { readonly rangePorts: number; readonly ns: readonly number[] },
  kernel: string,
  tookMs: number,
): PortSearchCalibration {
  const whole = connect[0]!;
  const c = fallOf(whole.ns, 0.3, 3);
  // Past the fall every connect() walks the held half: its cost over the half, per port.
  const walk = connect.flatMap(({ rangePorts, ns }) => {
    const half = Math.floor(rangePorts / 2);
    const fastUs = median(ns.slice(0, Math.floor(half * 0.6))) / 1000;
    const past = ns.slice(half + 2);
    if (past.length < 10) return [];
    const callUs = median(past) / 1000;
    return [{ walkedPorts: half, callUs: round(callUs), nsPerPort: round(Math.max(0, ((callUs - fastUs) * 1000) / half)) }];
  });
  const b = fallOf(bind.ns, 0.15, 5);
  // Past the quarter every bind() probes the whole quarter and more (bindProbes): its cost less
  // the fast one, over the ports it probed, is what one probed port costs (the median, robust to
  // a call the scheduler interrupted).
  const quarter = Math.floor(bind.rangePorts / 4);
  const perProbe = bind.ns.flatMap((ns, held) => {
    const probes = bindProbes(held, quarter);
    return held >= quarter && Number.isFinite(probes) ? [(ns - b.fastUs * 1000) / probes] : [];
  });
  const nsPerProbe = perProbe.length >= 10 ? round(Math.max(0, median(perProbe))) : null;
  const pct = (n: number | null, of: number): string => (n === null ? 'no fall' : `${Math.round((100 * n) / of)} %`);
  const walks = walk
    .map((w) => `${w.callUs} µs a call over ${w.walkedPorts.toLocaleString('en-US')} held ports (${w.nsPerPort} ns each)`)
    .join(', ');
  return {
    kernel,
    tookMs: Math.round(tookMs),
    connect: { rangePorts: whole.rangePorts, fastUs: round(c.fastUs), fallAt: c.fallAt, walk },
    bind: { rangePorts: bind.rangePorts, fastUs: round(b.fastUs), fallAt: b.fallAt, nsPerProbe },
    behaviour: `connect() ${round(c.fastUs)} µs for ${c.fallAt ?? '?'} of ${whole.rangePorts} ports (${pct(c.fallAt, whole.rangePorts)}), then ${walks || '?'}; bind() ${round(b.fastUs)} µs for ${b.fallAt ?? '?'} (${pct(b.fallAt, bind.rangePorts)}), then ${nsPerProbe ?? '?'} ns for each port it probes`,
  };
}

/**
 * A connect() walk's cost per port for a walk of `walked` ports: the probe's sizes interpolated in
 * log size; past the longest, the last two points' trend carried on (never below the last), since
 * a longer walk misses the caches more; below the shortest, the shortest's.
 */
export function walkNsPerPort(cal: PortSearchCalibration, walked: number): number | null {
  const pts = [...cal.connect.walk].sort((a, b) => a.walkedPorts - b.walkedPorts);
  if (pts.length === 0) return null;
  if (walked <= pts[0]!.walkedPorts) return pts[0]!.nsPerPort;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    if (walked <= b.walkedPorts) {
      const f = (Math.log(walked) - Math.log(a.walkedPorts)) / (Math.log(b.walkedPorts) - Math.log(a.walkedPorts));
      return a.nsPerPort + f * (b.nsPerPort - a.nsPerPort);
    }
  }
  const last = pts.at(-1)!;
  const before = pts.at(-2);
  if (!before) return last.nsPerPort;
  const slope = (last.nsPerPort - before.nsPerPort) / (Math.log(last.walkedPorts) - Math.log(before.walkedPorts));
  return Math.max(last.nsPerPort, last.nsPerPort + slope * (Math.log(walked) - Math.log(last.walkedPorts)));
}

/**
 * Ports one bind() is expected to probe with `held` ports of its address's range held, `quarter` a
 * quarter of that range: linear probing from a random offset in the odd ports of the lower half,
 * (1 + 1/(1-a)^2)/2 at load a, never more than the quarter; each quarter held adds a whole walk of
 * it. Infinity once all four are held (the range is exhausted).
 */
export function bindProbes(held: number, quarter: number): number {
  const phase = Math.floor(held / quarter);
  if (quarter < 1 || phase >= 4) return Infinity;
  const load = (held - phase * quarter) / quarter;
  return phase * quarter + Math.min(quarter, 0.5 * (1 + 1 / (1 - load) ** 2));
}

/** The share of its cheap ports after which a bind() costs more than a few probes (about 8 at 3/4). */
const BIND_FAST_SHARE = 0.75;

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** What the prediction needs of a stage. */
export interface PortSearchInput {
  readonly portMode: PortMode;
  /** (source, destination) pairs for connect(); source addresses for bind(). */
  readonly pairs: number;
  /** Usable ports of one pair's range (reserved ones left out). */
  readonly usablePorts: number;
  /** How long a used port stays held: 60 s, or tcp_tw_reuse_delay where connect() takes TIME_WAIT back. */
  readonly holdSec: number;
  readonly durationSec: number;
  /** Generator threads making the calls. */
  readonly threads: number;
  /** ok per second in each second of the stage, measured (the fast rate is read from them). */
  readonly okPerSecond: readonly number[];
  readonly calibration: PortSearchCalibration | null;
}

/** Steps a second is simulated in. */
const STEPS = 100;

/** What the simulation needs: the stage, and the search's shape on its path. */
interface SearchShape extends PortSearchInput {
  readonly call: 'connect' | 'bind';
  readonly fastPerPair: number;
  readonly slowFrom: number;
  readonly walkNs: number | null;
}

/**
 * The stage `durationSec` long, step by step: each connection costs the generator's own time
 * (threads / the fast rate) plus, past `slowFrom`, the ports its call walks; ports come back a hold
 * time after they were handed out; nothing more once the range is held.
 */
function simulate(
  shape: SearchShape,
  fastPerSec: number,
  durationSec: number,
): { curve: number[]; made: number; maxHeld: number; calibrated: boolean } {
  const capacity = shape.usablePorts * shape.pairs;
  // One connection's core time: what it costs before the fall (threads / fast rate), plus the walk.
  const baseSec = shape.threads / fastPerSec;
  const costSec = (heldPorts: number): number | null => {
    const perPair = heldPorts / shape.pairs;
    if (perPair < shape.slowFrom / shape.pairs) return baseSec;
    if (shape.walkNs === null) return null;
    // connect() walks the held half, one port a step; bind() probes its runs (bindProbes).
    const walked = shape.call === 'connect' ? shape.fastPerPair : bindProbes(perPair, shape.fastPerPair);
    return baseSec + (walked * shape.walkNs) / 1e9;
  };
  const seconds = Math.ceil(durationSec);
  const holdSteps = Math.max(1, Math.round(shape.holdSec * STEPS));
  const curve: number[] = [];
  const done: number[] = []; // connections made by the end of each step, for the ports that come back after holdSec
  let made = 0;
  let maxHeld = 0;
  let calibrated = true;
  for (let s = 0; s < seconds; s++) {
    const stepSec = Math.min(1, durationSec - s) / STEPS;
    let inSecond = 0;
    for (let k = 0; k < STEPS; k++) {
      const step = s * STEPS + k;
      // Ports handed out a hold time ago are free again (TIME_WAIT over, or taken back by tcp_tw_reuse).
      const freedBack = step >= holdSteps ? (done[step - holdSteps] ?? 0) : 0;
      const heldNow = Math.min(made - freedBack, capacity);
      maxHeld = Math.max(maxHeld, heldNow);
      // The step at the cost of the ports held, split where it crosses into the search's cost or
      // fills the range, so the fall lands where it is and not a step later.
      let n = 0;
      let held = heldNow;
      let leftSec = stepSec;
      while (leftSec > 1e-12 && held < capacity) {
        const cost = costSec(held);
        if (cost === null) {
          calibrated = false;
          break;
        }
        const boundary = held < shape.slowFrom ? shape.slowFrom : capacity;
        const possible = (shape.threads * leftSec) / cost;
        const take = Math.min(possible, boundary - held);
        n += take;
        held += take;
        leftSec -= (take * cost) / shape.threads;
        if (take >= possible) break;
      }
      made += n;
      inSecond += n;
      done.push(made);
    }
    curve.push(Math.round(inSecond));
  }
  return { curve, made, maxHeld, calibrated };
}

/**
 * The stage second by second as the port search shapes it: the fast rate (the stage's own) until
 * the fall, then the rate one walk a call allows, and nothing once the range is held. Null where no
 * call searches (explicit ports), or when nothing falls within the stage.
 */
export function predictPortSearch(input: PortSearchInput): PortSearchPrediction | null {
  const call = searchingCall(input.portMode);
  if (call === null || input.pairs < 1 || input.usablePorts < 2 || input.durationSec <= 0) return null;
  const fastPerPair = Math.floor(call === 'connect' ? input.usablePorts / 2 : input.usablePorts / 4);
  const fallAt = fastPerPair * input.pairs;
  // Where the search starts to cost: at the fall for connect() (its walk is sequential), at 3/4 of
  // the quarter for bind() (its runs of held ports grow before the quarter is full).
  const slowFrom = call === 'connect' ? fallAt : Math.floor(fallAt * BIND_FAST_SHARE);
  const total = input.okPerSecond.reduce((a, b) => a + b, 0);
  // The generator's own rate before the search costs: the whole seconds before it, or, when the
  // first second already reached it, the rate that second's count implies (below).
  let ok = 0;
  const before: number[] = [];
  for (const n of input.okPerSecond) {
    if (ok + n > slowFrom) break;
    before.push(n);
    ok += n;
  }
  const cal = input.calibration;
  const walkNs = cal === null ? null : call === 'connect' ? walkNsPerPort(cal, fastPerPair) : cal.bind.nsPerProbe;
  const shape = { ...input, call, fastPerPair, slowFrom, walkNs };
  let fastPerSec: number;
  if (before.length > 0) fastPerSec = before.reduce((a, b) => a + b, 0) / before.length;
  else {
    // The search cost inside the first second: its count mixes both rates. The fast rate is the
    // one whose simulated first second makes what the stage made in it (more fast, fewer slow:
    // the count grows with the rate, so halving finds it), when the walk's cost is known.
    const first = input.okPerSecond[0] ?? 0;
    fastPerSec = first;
    // Not when the first second held the whole range: its count says nothing of the rate then.
    if (first > 0 && first < input.usablePorts * input.pairs - 1 && walkNs !== null && input.durationSec >= 1) {
      let low = first;
      let high = first * 100;
      for (let i = 0; i < 40; i++) {
        const mid = (low + high) / 2;
        if ((simulate(shape, mid, 1).curve[0] ?? 0) < first) low = mid;
        else high = mid;
      }
      fastPerSec = (low + high) / 2;
    }
  }
  if (fastPerSec <= 0) return null;
  const { curve, maxHeld, calibrated } = simulate(shape, fastPerSec, input.durationSec);
  // Fell: the ports held reached it, in the simulation, or in the stage where none came back within it.
  const fell = maxHeld > slowFrom || (input.holdSec >= input.durationSec && total > slowFrom);
  if (!fell) return null;
  const expectedOk = Math.round(curve.reduce((a, b) => a + b, 0));
  // After the fall: connect() walks the held half; bind() walks the held quarter and more (stated as it starts).
  const slowCallUs =
    walkNs === null ? null : round(((call === 'connect' ? fastPerPair : bindProbes(fastPerPair, fastPerPair)) * walkNs) / 1000);
  return {
    call: call === 'connect' ? 'connect()' : 'bind()',
    pairs: input.pairs,
    fastPerPair,
    fallAt,
    fastPerSec: Math.round(fastPerSec),
    slowCallUs,
    calibrated: calibrated && cal !== null,
    expectedOk: calibrated && cal !== null ? expectedOk : null,
    expectedPerSec: calibrated && cal !== null ? Math.round((expectedOk / input.durationSec) * 10) / 10 : null,
    curve: calibrated && cal !== null ? curve : [],
  };
}
